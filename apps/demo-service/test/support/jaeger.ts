// Jaeger's query HTTP API (the JSON the UI uses), as stored spans come back from it.
import { sleep } from '@meshobs/testkit';

export interface KeyValue {
  key: string;
  type: string;
  value: unknown;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: KeyValue[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: KeyValue[] }>;
}

export const tag = (tags: KeyValue[], key: string) => tags.find((t) => t.key === key)?.value;
export const kindOf = (span: JaegerSpan) => tag(span.tags, 'span.kind');
export const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
export const serviceOf = (trace: JaegerTrace, span: JaegerSpan) => trace.processes[span.processID]?.serviceName;

/** Every trace Jaeger holds under this id (normally one; more would mean a split trace). */
export async function getTraces(queryUrl: string, traceId: string): Promise<JaegerTrace[]> {
  const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`jaeger answered ${res.status} for trace ${traceId}: ${await res.text()}`);
  return ((await res.json()) as { data: JaegerTrace[] }).data ?? [];
}

/** Polls until the trace holds at least `spans` spans (tail sampling holds traces back for its decision wait). */
export async function waitForTrace(queryUrl: string, traceId: string, spans: number, timeoutMs = 60_000): Promise<JaegerTrace[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const traces = await getTraces(queryUrl, traceId);
    const count = traces.reduce((n, t) => n + t.spans.length, 0);
    if (count >= spans || Date.now() > deadline) return traces;
    await sleep(500);
  }
}
