import type { IncomingMessage } from 'node:http';
import { sendJson } from '../http/respond.ts';
import type { Handler } from './types.ts';

/** Go's canonical header key ("x-request-id" -> "X-Request-Id"), so /headers looks as podinfo's does. */
export const canonicalHeaderKey = (name: string) =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** The request headers as Go's http.Header: canonical keys, every value in a list, Host left out. */
export function headerMap(req: IncomingMessage, extra: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (name === 'host' || !values) continue;
    out[canonicalHeaderKey(name)] = values;
  }
  for (const [name, value] of Object.entries(extra)) out[canonicalHeaderKey(name)] = [value];
  return out;
}

export const headers: Handler = ({ req, res }, { config }) =>
  sendJson(res, 200, headerMap(req, { 'x-api-version': config.version, 'x-api-revision': config.revision }));

export const env: Handler = ({ res }, app) =>
  sendJson(
    res,
    200,
    Object.entries(app.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`),
  );

export const metrics: Handler = async ({ res }, { metrics }) => {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
