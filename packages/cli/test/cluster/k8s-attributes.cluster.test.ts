// k8s_attributes against a real API server: the bundle's collector config (load-balancing tier, the
// one that receives spans from pods) runs in the real collector with only its listeners moved to
// loopback, its exporter pointed at a sink collector and k8s_attributes' auth_type set to kubeConfig.
// The API server holds the bundle's demo Deployment with a ReplicaSet and a Pod as the controllers
// would have created them (no kubelet: the pod's IP and phase are set through the status subresource).
//
// Spans come in the two shapes that reach the collector through its Istio sidecar, from 127.0.0.1
// here and from 127.0.0.6 in the mesh, so never from a pod's IP:
//   (a) the demo app: resource attributes from the Deployment's OTEL_RESOURCE_ATTRIBUTES, with the
//       downward-API variables expanded as the kubelet expands them;
//   (b) Envoy: span attributes from the bundle's Telemetry customTags, the environment ones read
//       from istio-proxy's variables (injection template: POD_NAME = metadata.name, POD_NAMESPACE =
//       metadata.namespace, INSTANCE_IP = status.podIP), and no k8s resource attribute.
// Control: the same spans without the pod identity (the Telemetry without its k8s.* tags, the app
// without OTEL_RESOURCE_ATTRIBUTES' k8s.* pairs) leave the pipeline without k8s.deployment.name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  type Collector,
  freePorts,
  localize,
  newSpanId,
  newTraceId,
  readSpans,
  type Sink,
  type StoredSpan,
  sendSpans,
  startCollector,
  startSink,
} from '../../../otel-collector/test/harness.ts';
import { type ApiServer, buildBundle, renderedObjects, startClusterLike } from './cluster-kit.ts';

const skip = missingTools('otelcol-meshobs', 'etcd', 'kube-apiserver', 'kubectl');

type Obj = Record<string, any>;
type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };

const POD_IP = '10.244.1.17';
const NODE = 'worker-1';
const HASH = '7c5d9f8b6d';

/** What the kubelet hands the container: fieldRefs resolved, `$(VAR)` expanded from earlier variables only. */
function containerEnv(env: EnvVar[], pod: Obj): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName,
    'status.podIP': pod.status?.podIP ?? '',
  };
  const out: Record<string, string> = {};
  for (const e of env) {
    const path = e.valueFrom?.fieldRef?.fieldPath;
    if (path) {
      if (!(path in fields)) throw new Error(`fieldRef ${path} not resolved by this test`);
      out[e.name] = fields[path]!;
    } else out[e.name] = (e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) => out[name] ?? ref);
  }
  return out;
}

/** OTEL_RESOURCE_ATTRIBUTES: comma-separated key=value, values percent-decoded (OTel SDK environment spec). */
const resourceAttributes = (value: string) =>
  Object.fromEntries(
    value
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), decodeURIComponent(kv.slice(kv.indexOf('=') + 1).trim())]),
  );

/** Span attributes Envoy writes from Telemetry customTags (an empty value writes no tag). */
function envoyTags(
  customTags: Record<string, Obj>,
  proxyEnv: Record<string, string>,
  headers: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [tag, def] of Object.entries(customTags)) {
    const value = def.literal
      ? def.literal.value
      : def.environment
        ? (proxyEnv[def.environment.name] ?? def.environment.defaultValue ?? '')
        : def.header
          ? (headers[def.header.name] ?? def.header.defaultValue ?? '')
          : undefined;
    if (value === undefined) throw new Error(`custom tag ${tag}: kind not handled by this test`);
    if (value !== '') out[tag] = value;
  }
  return out;
}

const withoutPodIdentity = (attrs: Record<string, string>) =>
  Object.fromEntries(Object.entries(attrs).filter(([k]) => !k.startsWith('k8s.')));

describe.skipIf(skip)('k8s_attributes enriches app and Envoy spans behind the collector sidecar (real API server, real collector)', () => {
  let api: ApiServer | undefined;
  let sink: Sink;
  let collector: Collector;
  let generatedK8s: Obj;
  let runK8s: Obj;
  let pod: Obj;
  let appResource: Record<string, string>;
  let envoyAttrs: Record<string, string>;
  let deploymentName: string;
  let namespace: string;

  beforeAll(async () => {
    const bundle = await buildBundle('k8sattr', {});
    api = await startClusterLike([]);
    const objects = renderedObjects(api, bundle) as Obj[];
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'podinfo-stable')!;
    const telemetry = objects.find((o) => o.kind === 'Telemetry' && o.metadata.name === 'mesh-default')!;
    expect(deployment, 'demo Deployment in the bundle').toBeDefined();
    expect(telemetry, 'mesh Telemetry in the bundle').toBeDefined();
    deploymentName = deployment.metadata.name;
    namespace = deployment.metadata.namespace;
    const serviceAccount = objects.find(
      (o) =>
        o.kind === 'ServiceAccount' &&
        o.metadata.namespace === namespace &&
        o.metadata.name === deployment.spec.template.spec.serviceAccountName,
    )!;

    // What the Deployment and ReplicaSet controllers and the scheduler would have written.
    if (api.kubectlResult(['get', 'namespace', namespace]).code !== 0) api.kubectl(['create', 'namespace', namespace]);
    const applied = (o: Obj) =>
      JSON.parse(api!.kubectl(['apply', '--server-side', '--field-manager=meshobs', '-o', 'json', '-f', '-'], JSON.stringify(o)));
    applied(serviceAccount);
    const d = applied(deployment);
    const rsName = `${deploymentName}-${HASH}`;
    const labels = { ...deployment.spec.template.metadata.labels, 'pod-template-hash': HASH };
    const owner = (o: Obj) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata.name,
      uid: o.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
    const rs = applied({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: rsName, namespace, labels, ownerReferences: [owner(d)] },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...deployment.spec.selector.matchLabels, 'pod-template-hash': HASH } },
        template: { metadata: { ...deployment.spec.template.metadata, labels }, spec: deployment.spec.template.spec },
      },
    });
    applied({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rsName}-x7k2p`,
        namespace,
        labels,
        annotations: deployment.spec.template.metadata.annotations,
        ownerReferences: [owner(rs)],
      },
      spec: { ...deployment.spec.template.spec, nodeName: NODE },
    });
    const podName = `${rsName}-x7k2p`;
    const status = {
      phase: 'Running',
      podIP: POD_IP,
      podIPs: [{ ip: POD_IP }],
      hostIP: '10.0.0.11',
      startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    api.kubectl(['patch', 'pod', podName, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    pod = JSON.parse(api.kubectl(['get', 'pod', podName, '-n', namespace, '-o', 'json']));
    expect(pod.status.podIP).toBe(POD_IP);

    // (a) the app's resource, from the container env of the stored pod.
    const env = containerEnv(pod.spec.containers[0].env, pod);
    expect(env.OTEL_RESOURCE_ATTRIBUTES, 'every $(VAR) resolved').not.toMatch(/\$\(/);
    appResource = { 'service.name': env.OTEL_SERVICE_NAME!, ...resourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES!) };
    // (b) Envoy's span tags, from the Telemetry of the bundle and istio-proxy's environment.
    const proxyEnv = { POD_NAME: pod.metadata.name, POD_NAMESPACE: pod.metadata.namespace, INSTANCE_IP: pod.status.podIP };
    envoyAttrs = envoyTags(telemetry.spec.tracing[0].customTags, proxyEnv, { 'x-request-id': 'rid-k8sattr-1', 'user-agent': 'curl/8.5' });

    // The bundle's collector config, on loopback, k8s_attributes reading this API server.
    const generated = readFileSync(join(bundle, 'otel-collector', 'config.yaml'), 'utf8');
    generatedK8s = parse(generated).processors.k8s_attributes;
    sink = await startSink('k8sattr-sink');
    const ports = await freePorts();
    const cfg = localize(generated, ports, { backends: sink.endpoints, kubeApi: true });
    runK8s = cfg.processors.k8s_attributes;
    collector = await startCollector('k8sattr-collector', cfg, ports, { KUBECONFIG: api.kubeconfig });
  });

  afterAll(async () => {
    await stopAll();
    await api?.stop();
  });

  it('runs the generated k8s_attributes and pipeline order, with only auth_type changed', () => {
    expect(generatedK8s.auth_type).toBe('serviceAccount');
    expect(runK8s).toEqual({ ...generatedK8s, auth_type: 'kubeConfig' });
  });

  it('spans of both shapes leave the pipeline with pod, namespace, uid, node and deployment; without the identity they get none', async () => {
    const http = `127.0.0.1:${collector.ports.otlpHttp}`;
    const stored = () => readSpans(sink.files[0]!);
    const byTrace = (id: string) => stored().find((s) => s.traceId === id);
    const span = (traceId: string, attributes: Record<string, string> = {}) => [
      { traceId, spanId: newSpanId(), name: 'GET /api', attributes },
    ];

    // The informers fill their cache asynchronously after start: wait for the first enriched app span.
    let ready = '';
    await waitUntil(
      async () => {
        if (ready && byTrace(ready)?.resource['k8s.deployment.name']) return true;
        ready = newTraceId();
        expect(await sendSpans(http, appResource['service.name']!, span(ready), appResource)).toBe(200);
        return false;
      },
      90_000,
      'an app span enriched by k8s_attributes',
      2000,
    );

    const traces = { app: newTraceId(), envoy: newTraceId(), appControl: newTraceId(), envoyControl: newTraceId() };
    const envoyService = `${deploymentName.replace(/-stable$/, '')}.${namespace}`;
    expect(await sendSpans(http, appResource['service.name']!, span(traces.app, { 'url.path': '/api' }), appResource)).toBe(200);
    expect(await sendSpans(http, envoyService, span(traces.envoy, envoyAttrs))).toBe(200);
    expect(
      await sendSpans(http, appResource['service.name']!, span(traces.appControl, { 'url.path': '/api' }), withoutPodIdentity(appResource)),
    ).toBe(200);
    expect(await sendSpans(http, envoyService, span(traces.envoyControl, withoutPodIdentity(envoyAttrs)))).toBe(200);
    await waitUntil(() => Object.values(traces).every((t) => byTrace(t)), 60_000, 'all four spans at the sink', 500);
    const got = Object.fromEntries(Object.entries(traces).map(([k, t]) => [k, byTrace(t)!])) as Record<keyof typeof traces, StoredSpan>;

    // What the senders put in: Envoy no k8s resource attribute, the app no deployment.
    expect(Object.keys(envoyAttrs)).toEqual(expect.arrayContaining(['k8s.pod.name', 'k8s.namespace.name']));
    expect(Object.keys(appResource)).toEqual(expect.arrayContaining(['k8s.pod.uid', 'k8s.pod.name', 'k8s.namespace.name']));
    expect(appResource['k8s.deployment.name']).toBeUndefined();

    const enriched = {
      'k8s.pod.name': pod.metadata.name,
      'k8s.namespace.name': namespace,
      'k8s.pod.uid': pod.metadata.uid,
      'k8s.node.name': NODE,
      'k8s.deployment.name': deploymentName,
    };
    expect(got.app.resource).toMatchObject(enriched);
    expect(got.envoy.resource).toMatchObject(enriched);
    // The Envoy span keeps its tags, and the Jaeger search names stay filled for both.
    expect(got.envoy.attributes).toMatchObject({
      'k8s.pod.name': pod.metadata.name,
      pod_name: pod.metadata.name,
      namespace,
      request_id: 'rid-k8sattr-1',
    });
    expect(got.app.attributes).toMatchObject({ pod_name: pod.metadata.name, namespace });

    // Control: the connection (127.0.0.1, never a pod's IP, like 127.0.0.6 behind the sidecar) finds no pod.
    for (const control of [got.appControl, got.envoyControl]) {
      expect(control.resource['k8s.deployment.name'], stringify(control.resource)).toBeUndefined();
      expect(control.resource['k8s.pod.uid']).toBeUndefined();
    }
    // The pre-k8s.* Telemetry sent pod_name/namespace tags only: they stay span tags, not a pod lookup.
    expect(got.envoyControl.attributes).toMatchObject({ pod_name: pod.metadata.name, namespace });
  });
});
