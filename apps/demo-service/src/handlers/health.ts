import { sendEmpty, sendJson } from '../http/respond.ts';
import type { Handler } from './types.ts';

const probe =
  (ok: boolean): Handler =>
  ({ res }) =>
    ok ? sendJson(res, 200, { status: 'OK' }) : sendEmpty(res, 503);

export const healthz: Handler = (request, app) => probe(app.probes.healthy)(request, app);
export const readyz: Handler = (request, app) => probe(app.probes.ready)(request, app);

export const setReady =
  (ready: boolean): Handler =>
  ({ res }, { probes }) => {
    probes.ready = ready;
    sendEmpty(res, 202);
  };
