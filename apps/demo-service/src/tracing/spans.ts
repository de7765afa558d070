import type { IncomingMessage } from 'node:http';
import { type Attributes, type Context, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_REQUEST_ID,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from './attributes.ts';

/**
 * The methods the HTTP semantic conventions call known (RFC 9110, PATCH, QUERY; semantic-conventions
 * 1.45 `http.request.method`). OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS replaces the list, as the
 * conventions require of an instrumentation that maps valid methods to _OTHER.
 */
export const DEFAULT_KNOWN_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE'];

export function knownMethodsFrom(env: Record<string, string | undefined>): ReadonlySet<string> {
  const list = env.OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS;
  return new Set(
    list === undefined
      ? DEFAULT_KNOWN_METHODS
      : list
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean),
  );
}

/** Unknown methods (case-sensitive) are reported as _OTHER, so span names and attributes stay low-cardinality. */
export const normalizedMethod = (method: string, known: ReadonlySet<string> = new Set(DEFAULT_KNOWN_METHODS)) =>
  known.has(method) ? method : '_OTHER';

/** `{method} {route}`, where an unknown method is `HTTP` (semantic conventions, HTTP server span name). */
export const serverSpanName = (method: string, route?: string) => {
  const verb = method === '_OTHER' ? 'HTTP' : method;
  return route ? `${verb} ${route}` : verb;
};

function hostAndPort(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return {};
  return { address: m[1], port: m[2] ? Number(m[2]) : undefined };
}

export interface ServerSpanInput {
  req: IncomingMessage;
  path: string;
  query: string;
  route?: string;
  requestId: string;
  knownMethods?: ReadonlySet<string>;
}

export function startServerSpan(tracer: Tracer, parent: Context, input: ServerSpanInput): Span {
  const { req, path, query, route, requestId } = input;
  const original = req.method ?? 'GET';
  const method = normalizedMethod(original, input.knownMethods);
  const host = hostAndPort(req.headers.host);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_URL_PATH]: path,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
    [ATTR_NETWORK_PEER_ADDRESS]: req.socket.remoteAddress,
    [ATTR_NETWORK_PEER_PORT]: req.socket.remotePort,
    [ATTR_CLIENT_ADDRESS]: req.socket.remoteAddress,
    [ATTR_SERVER_ADDRESS]: host.address,
    [ATTR_SERVER_PORT]: host.port,
    [ATTR_REQUEST_ID]: [requestId],
  };
  if (method !== original) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = original;
  if (query) attributes[ATTR_URL_QUERY] = query;
  if (route) attributes[ATTR_HTTP_ROUTE] = route;
  const userAgent = req.headers['user-agent'];
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  return tracer.startSpan(serverSpanName(method, route), { kind: SpanKind.SERVER, attributes }, parent);
}

/** Server spans: only 5xx is an error (a 4xx is the client's fault, per the HTTP conventions). */
export function endServerSpan(span: Span, status: number): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

export function startClientSpan(tracer: Tracer, parent: Context, url: URL, method: string, requestId: string, userAgent: string): Span {
  return tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_FULL]: url.href,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        [ATTR_REQUEST_ID]: [requestId],
        [ATTR_USER_AGENT_ORIGINAL]: userAgent,
      },
    },
    parent,
  );
}

/** Client spans: any 4xx/5xx or transport failure is an error. */
export function endClientSpan(span: Span, outcome: { status: number } | { error: Error }): void {
  if ('status' in outcome) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
    if (outcome.status >= 400) {
      span.setAttribute(ATTR_ERROR_TYPE, String(outcome.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    const cause = (outcome.error as { cause?: { code?: string } }).cause;
    span.recordException(outcome.error);
    span.setAttribute(ATTR_ERROR_TYPE, cause?.code ?? outcome.error.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
  }
  span.end();
}
