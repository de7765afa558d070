import { trace } from '@opentelemetry/api';
import { readBody } from '../http/body.ts';
import { sendError, sendJson, sendRaw } from '../http/respond.ts';
import { forwardedHeaders } from '../tracing/forward.ts';
import { endClientSpan, startClientSpan } from '../tracing/spans.ts';
import type { AppContext, Handler, Request } from './types.ts';

type BackendResult = { ok: true; body: string } | { ok: false; error: string };

function describe(error: unknown): string {
  const e = error as Error & { cause?: { message?: string } };
  return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
}

/** POSTs the body to one backend inside a client span, forwarding the request id and trace headers. */
async function callBackend(backend: string, body: Buffer, request: Request, app: AppContext): Promise<BackendResult> {
  const { config, tracer, propagator } = app;
  const url = new URL(backend);
  const userAgent = `podinfo/${config.version} (meshobs demo-service)`;
  const span = startClientSpan(tracer, request.ctx, url, 'POST', request.requestId, userAgent);
  const ctx = trace.setSpan(request.ctx, span);
  const headers = {
    ...forwardedHeaders(request.req.headers, request.requestId, ctx, propagator),
    'user-agent': userAgent,
    'content-type': request.req.headers['content-type'] ?? 'application/octet-stream',
    'x-api-version': config.version,
    'x-api-revision': config.revision,
  };
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(config.backendTimeoutMs) });
    const text = await res.text();
    endClientSpan(span, { status: res.status });
    return res.status >= 400 ? { ok: false, error: `backend ${backend} response status code ${res.status}` } : { ok: true, body: text };
  } catch (error) {
    endClientSpan(span, { error: error as Error });
    return { ok: false, error: `backend ${backend} call failed: ${describe(error)}` };
  }
}

/**
 * Without backends: echoes the body (202). With backends: posts it to each of them in parallel and
 * returns their bodies in order; if any backend fails, answers 502 with the backends' errors.
 */
export const echo: Handler = async (request, app) => {
  const { res } = request;
  const body = await readBody(request.req, app.config.maxBodyBytes);
  const colour = { 'x-color': app.config.uiColor };
  if (!app.config.backends.length) {
    sendRaw(res, 202, body, colour);
    return;
  }
  const results = await Promise.all(app.config.backends.map((b) => callBackend(b, body, request, app)));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  if (errors.length) {
    sendError(res, 502, errors.join('; '), colour);
    return;
  }
  sendJson(
    res,
    200,
    results.map((r) => (r.ok ? r.body : '')),
    colour,
  );
};
