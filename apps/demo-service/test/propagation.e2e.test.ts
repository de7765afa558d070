// Proof 1: a request carrying a known trace context crosses two real demo-service processes and
// lands in Jaeger, through the bundle's collector config, as one trace with the custom tags.
import { freePort, missingTools, stopAll } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, downwardApiEnv, MESH, randomHex, startDemo } from './support/demo-process.ts';
import { type JaegerSpan, type JaegerTrace, kindOf, parentOf, serviceOf, tag, waitForTrace } from './support/jaeger.ts';
import { startTraceStack, type TraceStack } from './support/trace-stack.ts';

const skip = missingTools('otelcol-meshobs', 'jaeger');
const USER_AGENT = 'meshobs-e2e/1.0 (propagation)';

describe.skipIf(skip)('trace propagation through two demo services, the collector and Jaeger', () => {
  let stack: TraceStack;
  let frontend: DemoProcess;
  let backend: DemoProcess;

  beforeAll(async () => {
    stack = await startTraceStack();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '500' };
    // The backend chains to itself so it has client spans too: /echo -> its own /headers.
    const backendPort = await freePort();
    backend = await startDemo(
      'podinfo-backend',
      { ...otel, ...downwardApiEnv('podinfo-backend-7d9f-x2'), PODINFO_BACKEND_URL: `http://127.0.0.1:${backendPort}/headers` },
      backendPort,
    );
    // The frontend posts to the backend's /headers (what the backend received) and /echo (the chain).
    frontend = await startDemo('podinfo-frontend', {
      ...otel,
      ...downwardApiEnv('podinfo-frontend-5c6b-q1'),
      PODINFO_BACKEND_URL: `${backend.url}/headers,${backend.url}/echo`,
    });
  });

  afterAll(stopAll);

  async function callFrontend(headers: Record<string, string>) {
    const res = await fetch(`${frontend.url}/echo`, {
      method: 'POST',
      body: '{"hello":"mesh"}',
      headers: { 'user-agent': USER_AGENT, ...headers },
    });
    expect(res.status).toBe(200);
    const [seenByBackend, chained] = (await res.json()) as [string, string];
    return { seenByBackend: JSON.parse(seenByBackend) as Record<string, string[]>, chained: JSON.parse(chained) as string[] };
  }

  function assertOneTrace(traces: JaegerTrace[], traceId: string, requestId: string, rootParent: string) {
    expect(traces, 'exactly one trace under the id').toHaveLength(1);
    const trace = traces[0]!;
    expect(trace.traceID).toBe(traceId);
    const spans = trace.spans;
    const of = (service: string, kind: string) => spans.filter((s) => serviceOf(trace, s) === service && kindOf(s) === kind);
    const byId = new Map(spans.map((s) => [s.spanID, s]));

    const [frontServer, ...extraFrontServers] = of('podinfo-frontend', 'server');
    expect(frontServer, 'frontend server span').toBeDefined();
    expect(extraFrontServers).toHaveLength(0);
    expect(parentOf(frontServer!)).toBe(rootParent);
    const frontClients = of('podinfo-frontend', 'client');
    expect(frontClients, 'one frontend client span per backend').toHaveLength(2);
    const backServers = of('podinfo-backend', 'server');
    const backClients = of('podinfo-backend', 'client');
    expect(backServers, 'backend /headers, /echo and the chained /headers').toHaveLength(3);
    expect(backClients).toHaveLength(1);

    for (const client of frontClients) {
      expect(parentOf(client)).toBe(frontServer!.spanID);
      const child = backServers.find((s) => parentOf(s) === client.spanID);
      expect(child, `a backend server span child of frontend client span ${client.spanID}`).toBeDefined();
    }
    const chainedServer = backServers.find((s) => parentOf(s) === backClients[0]!.spanID);
    expect(chainedServer, 'the backend calls itself inside the same trace').toBeDefined();
    expect(byId.get(parentOf(backClients[0]!)!)?.operationName).toBe('POST /echo');

    // Custom tags: the app's span attributes, the collector's derived tags, the downward-API resource.
    for (const span of spans) {
      // A string-list attribute, as the HTTP conventions record captured headers; Jaeger shows it as JSON.
      expect(JSON.parse(String(tag(span.tags, 'http.request.header.x-request-id'))), span.operationName).toEqual([requestId]);
      expect(tag(span.tags, 'request_id'), span.operationName).toBe(requestId);
      expect(tag(span.tags, 'user_agent.original'), span.operationName).toBeTruthy();
      expect(tag(span.tags, 'user_agent')).toBe(tag(span.tags, 'user_agent.original'));
      expect(tag(span.tags, 'environment')).toBe(MESH.environment);
      expect(tag(span.tags, 'cluster_name')).toBe(MESH.name);
      expect(tag(span.tags, 'namespace')).toBe('podinfo');
      expect(tag(span.tags, 'pod_name')).toMatch(/^podinfo-(frontend|backend)-/);
    }
    expect(tag(frontServer!.tags, 'user_agent.original')).toBe(USER_AGENT);
    for (const process of Object.values(trace.processes)) {
      expect(tag(process.tags, 'k8s.namespace.name')).toBe('podinfo');
      expect(tag(process.tags, 'k8s.cluster.name')).toBe(MESH.name);
      expect(tag(process.tags, 'deployment.environment.name')).toBe(MESH.environment);
      expect(String(tag(process.tags, 'k8s.pod.name'))).toMatch(new RegExp(`^${process.serviceName}-`));
    }
    return { frontClients };
  }

  function assertForwarded(seen: Record<string, string[]>, traceId: string, requestId: string, frontClients: JaegerSpan[]) {
    expect(seen['X-Request-Id']).toEqual([requestId]);
    expect(seen['X-B3-Traceid']).toEqual([traceId]);
    expect(seen['X-B3-Sampled']).toEqual(['1']);
    const spanId = seen['X-B3-Spanid']![0]!;
    expect(frontClients.map((s) => s.spanID)).toContain(spanId);
    expect(seen.Traceparent).toEqual([`00-${traceId}-${spanId}-01`]);
  }

  it('starting from W3C traceparent: one trace, parent/child across services, headers and tags forwarded', async () => {
    const traceId = randomHex(16);
    const parent = randomHex(8);
    const requestId = `e2e-w3c-${randomHex(4)}`;
    const { seenByBackend, chained } = await callFrontend({ traceparent: `00-${traceId}-${parent}-01`, 'x-request-id': requestId });
    expect(JSON.parse(chained[0]!)['X-Request-Id']).toEqual([requestId]);

    const traces = await waitForTrace(stack.jaegerQueryUrl, traceId, 7);
    const { frontClients } = assertOneTrace(traces, traceId, requestId, parent);
    assertForwarded(seenByBackend, traceId, requestId, frontClients);
  });

  it('starting from B3 multi-headers only: the same', async () => {
    const traceId = randomHex(16);
    const parent = randomHex(8);
    const requestId = `e2e-b3-${randomHex(4)}`;
    const { seenByBackend } = await callFrontend({
      'x-b3-traceid': traceId,
      'x-b3-spanid': parent,
      'x-b3-sampled': '1',
      'x-request-id': requestId,
    });

    const traces = await waitForTrace(stack.jaegerQueryUrl, traceId, 7);
    const { frontClients } = assertOneTrace(traces, traceId, requestId, parent);
    assertForwarded(seenByBackend, traceId, requestId, frontClients);
  });
});
