import { setTimeout as sleep } from 'node:timers/promises';
import { sendError, sendJson } from '../http/respond.ts';
import type { Handler } from './types.ts';

const WHOLE_NUMBER = /^\d{1,3}$/;
const SECONDS = /^\d+(\.\d+)?$/;

/** Answers with the requested status; only real final statuses (200-599) are accepted. */
export const status: Handler = ({ res, params }) => {
  const raw = params.code ?? '';
  const code = Number(raw);
  if (!WHOLE_NUMBER.test(raw) || code < 200 || code > 599) {
    sendError(res, 400, `invalid status code "${raw}": expected a whole number between 200 and 599`);
    return;
  }
  sendJson(res, code, { status: code });
};

/** Waits the given seconds (fractions allowed) up to the configured maximum, then answers. */
export const delay: Handler = async ({ req, res, params }, { config }) => {
  const raw = params.seconds ?? '';
  const seconds = Number(raw);
  if (!SECONDS.test(raw) || seconds > config.maxDelaySeconds) {
    sendError(res, 400, `invalid delay "${raw}": expected seconds between 0 and ${config.maxDelaySeconds}`);
    return;
  }
  const gone = new AbortController();
  const onClose = () => !res.writableFinished && gone.abort();
  req.socket.once('close', onClose);
  try {
    await sleep(seconds * 1000, undefined, { signal: gone.signal });
  } catch {
    return; // the client went away; nothing to answer
  } finally {
    req.socket.off('close', onClose);
  }
  sendJson(res, 200, { delay: seconds });
};
