// The assertions every "traces went in and came back" test makes, on both query APIs.
import { expect } from 'vitest';
import { findTracesV3, waitForTraces } from './jaeger-api.ts';

export async function expectTracesQueryable(
  queryUrl: string,
  sent: { service: string; traces: number; childSpans: number; tag: [string, string] },
) {
  const spansEach = 1 + sent.childSpans;
  const traces = await waitForTraces(queryUrl, sent.service, sent.traces, spansEach);
  expect(new Set(traces.map((t) => t.traceID)).size).toBe(sent.traces);
  for (const t of traces) {
    const roots = t.spans.filter((s) => s.references.length === 0);
    expect(roots).toHaveLength(1);
    const children = t.spans.filter((s) => s.references.length > 0);
    expect(children).toHaveLength(sent.childSpans);
    for (const c of children) {
      expect(c.references[0]).toMatchObject({ refType: 'CHILD_OF', traceID: t.traceID, spanID: roots[0]!.spanID });
    }
    for (const s of t.spans) {
      expect(s.tags).toContainEqual(expect.objectContaining({ key: sent.tag[0], value: sent.tag[1] }));
      expect(t.processes[s.processID]!.serviceName).toBe(sent.service);
    }
  }

  const spans = await findTracesV3(queryUrl, sent.service);
  expect(spans).toHaveLength(sent.traces * spansEach);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const withParent = spans.filter((s) => s.parentSpanId);
  expect(withParent).toHaveLength(sent.traces * sent.childSpans);
  for (const s of withParent) {
    const parent = byId.get(s.parentSpanId!);
    expect(parent, `parent of ${s.spanId}`).toBeDefined();
    expect(parent!.traceId).toBe(s.traceId);
    expect(parent!.parentSpanId ?? '').toBe('');
  }
  for (const s of spans) expect(s.attributes).toContainEqual({ key: sent.tag[0], value: { stringValue: sent.tag[1] } });
  return { traces, spans };
}
