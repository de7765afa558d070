// HTTP and resource semantic conventions (semantic-conventions 1.45) on the spans the app emits.
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { startTracing } from '../src/tracing/sdk.ts';
import { rawRequest, spansFor, startApp, stopApps } from './helpers.ts';

afterAll(stopApps);

describe('server spans follow the HTTP conventions', () => {
  it('keep the whole query, second `?` included', async () => {
    const svc = await startApp();
    await fetch(`${svc.url}/version?next=/a?b=1&c=2`);
    const [span] = await spansFor(svc, 1);
    expect(span!.attributes['url.path']).toBe('/version');
    expect(span!.attributes['url.query']).toBe('next=/a?b=1&c=2');
  });

  it('name an unknown method HTTP, report it as _OTHER and keep the original', async () => {
    const svc = await startApp();
    // PROPFIND passes Node's HTTP parser but is not a method the conventions know.
    await rawRequest(`${svc.url}/status/200`, { method: 'PROPFIND' });
    const [span] = await spansFor(svc, 1);
    expect(span!.attributes['http.request.method']).toBe('_OTHER');
    expect(span!.attributes['http.request.method_original']).toBe('PROPFIND');
    expect(span!.name).toMatch(/^HTTP( |$)/);
    expect(span!.name).not.toContain('_OTHER');
  });

  it('know QUERY and the methods OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS names', async () => {
    const svc = await startApp();
    await rawRequest(`${svc.url}/version`, { method: 'QUERY' });
    await rawRequest(`${svc.url}/version`, { method: 'GET' });
    const spans = await spansFor(svc, 2);
    expect(spans.map((s) => s.attributes['http.request.method']).sort()).toEqual(['GET', 'QUERY']);
    expect(spans.every((s) => s.attributes['http.request.method_original'] === undefined)).toBe(true);

    const custom = await startApp({ env: { OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'GET,PROPFIND' } });
    // No route answers these two methods on /version, so the names carry no route.
    await rawRequest(`${custom.url}/version`, { method: 'PROPFIND' });
    await rawRequest(`${custom.url}/version`, { method: 'POST' });
    const got = await spansFor(custom, 2);
    expect(
      Object.fromEntries(got.map((s) => [s.attributes['http.request.method_original'] ?? s.attributes['http.request.method'], s.name])),
    ).toEqual({
      PROPFIND: 'PROPFIND',
      POST: 'HTTP',
    });
  });
});

/** InMemorySpanExporter forgets its spans on shutdown, which the SDK's shutdown calls: keep them here. */
function keepingExporter() {
  const exported: ReadableSpan[] = [];
  const exporter = new InMemorySpanExporter();
  const original = exporter.export.bind(exporter);
  exporter.export = (spans, done) => {
    exported.push(...spans);
    original(spans, done);
  };
  return { exported, exporter };
}

describe('the SDK resource', () => {
  it('keeps service.instance.id = pod name (no random UUID from the default detectors)', async () => {
    const { exported, exporter } = keepingExporter();
    const tracing = startTracing({ K8S_POD_NAME: 'podinfo-7d9f-abcde', K8S_NAMESPACE_NAME: 'podinfo' }, '6.0.0', exporter)!;
    try {
      trace.getTracer('test').startSpan('probe').end();
    } finally {
      await tracing.shutdown();
    }
    const [span] = exported;
    expect(span).toBeDefined();
    expect(span!.resource.attributes['service.instance.id']).toBe('podinfo-7d9f-abcde');
    expect(span!.resource.attributes['k8s.pod.name']).toBe('podinfo-7d9f-abcde');
    expect(span!.resource.attributes['k8s.namespace.name']).toBe('podinfo');
  });

  it('takes the pod identity from OTEL_RESOURCE_ATTRIBUTES as the Deployment expands it, and keeps service.instance.id = pod name', async () => {
    const { exported, exporter } = keepingExporter();
    // The env detector reads process.env: the value the kubelet hands the container.
    const before = process.env.OTEL_RESOURCE_ATTRIBUTES;
    process.env.OTEL_RESOURCE_ATTRIBUTES =
      'service.namespace=podinfo,app.version=stable,k8s.pod.name=podinfo-7d9f-abcde,k8s.namespace.name=podinfo,k8s.pod.uid=0b8e2f1c-5d6a-4e1b-9c3d-2a7f6e5d4c3b,k8s.node.name=node-1';
    // The test above left its (shut down) provider registered globally; the API keeps the first one.
    trace.disable();
    try {
      const tracing = startTracing({ K8S_POD_NAME: 'podinfo-7d9f-abcde', K8S_NAMESPACE_NAME: 'podinfo' }, '6.0.0', exporter)!;
      try {
        trace.getTracer('test').startSpan('probe').end();
      } finally {
        await tracing.shutdown();
      }
    } finally {
      if (before === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
      else process.env.OTEL_RESOURCE_ATTRIBUTES = before;
    }
    const attrs = exported[0]!.resource.attributes;
    expect(attrs).toMatchObject({
      'k8s.pod.uid': '0b8e2f1c-5d6a-4e1b-9c3d-2a7f6e5d4c3b',
      'k8s.pod.name': 'podinfo-7d9f-abcde',
      'k8s.namespace.name': 'podinfo',
      'k8s.node.name': 'node-1',
      'service.instance.id': 'podinfo-7d9f-abcde',
    });
  });
});
