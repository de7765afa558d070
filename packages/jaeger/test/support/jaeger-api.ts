// Reads traces back through the Jaeger query role's two HTTP APIs.
import { waitUntil } from '@meshobs/testkit';

export interface LegacySpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
}
export interface LegacyTrace {
  traceID: string;
  spans: LegacySpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** /api/traces?service=… (the UI's API), polled until the expected number of traces is there. */
export async function waitForTraces(queryUrl: string, service: string, count: number, spansEach: number, timeoutMs = 60_000) {
  let traces: LegacyTrace[] = [];
  await waitUntil(
    async () => {
      const res = await fetch(`${queryUrl}/api/traces?service=${service}&limit=100&lookback=1h`, { signal: AbortSignal.timeout(10_000) });
      // A 5xx is "not yet": right after the first write the search engine may still be allocating
      // the new index's shards ("all shards failed"). Anything else is a real failure.
      if (res.status >= 500) return false;
      if (!res.ok) throw new Error(`${queryUrl}/api/traces: HTTP ${res.status} ${await res.text()}`);
      traces = ((await res.json()) as { data: LegacyTrace[] }).data ?? [];
      return traces.length === count && traces.every((t) => t.spans.length === spansEach);
    },
    timeoutMs,
    `${count} traces of ${spansEach} spans for ${service} (last saw ${traces.length})`,
    500,
  );
  return traces;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string; boolValue?: boolean } }[];
}

/** /api/v3/traces (OTLP JSON, the v2 API): every span of the service in the last hour. */
export async function findTracesV3(queryUrl: string, service: string): Promise<OtlpSpan[]> {
  const now = Date.now();
  const q = new URLSearchParams({
    'query.service_name': service,
    'query.start_time_min': new Date(now - 3600_000).toISOString(),
    'query.start_time_max': new Date(now + 60_000).toISOString(),
    'query.num_traces': '100',
  });
  const body = await getJson<{ result: { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] } }>(`${queryUrl}/api/v3/traces?${q}`);
  return body.result.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}
