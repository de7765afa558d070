// The default bundle (the repository's config, demo on) as pods on a real single-node Kubernetes with
// kube-prometheus-stack's monitoring stack (packages/kube-node): `kubectl apply --server-side -k`,
// then what the running cluster says about every claim of the bundle. Istio's proxy cannot be built
// here, so the node runs without sidecars: the Istio-side claims stay with istioctl and the
// authorization flow contract of the cluster tier. Each check is shown failing on a mutation.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeshobsConfig } from '@meshobs/config';
import { IMAGES, ISTIO_PORTS } from '@meshobs/kube';
import { ENVOY_PROM_PORT } from '@meshobs/model';
import { requireTool, tempDir, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { profileReady, profileSetup, removeStack, renderBundle, rolloutStatus } from '../src/index.ts';
import { mergedMetricsProblems, monitorVerdicts, type Obj, podsOf, ruleProblems, runtimeProblems, workloadProblems } from './checks.ts';
import { applyBundle, buildProfile, getJson, meshobs, type Profile, portForward, skipNodeTier, startTier, type Tier } from './kit.ts';
import { triage } from './known-defects.ts';
import { contractFlows, tryFlows } from './netpol.ts';
import { keyOf, lost, type Snapshot, snapshot } from './snapshot.ts';
import { load, send } from './traffic.ts';

const NODE_TOOLS = [
  'kubelet',
  'kube-apiserver',
  'containerd',
  'runc',
  'kube-router',
  'coredns',
  'prometheus3',
  'prometheus-operator',
  'kube-state-metrics',
  'opensearch-single-node',
  'cyclonus',
  'kubectl',
];
const skip = skipNodeTier(...NODE_TOOLS);

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Indices the retention job finds in OpenSearch: one past the 7 days, one within. */
const EXPIRED = `jaeger-span-${dateOf(Date.now() - 10 * DAY)}`;
const RECENT = `jaeger-span-${dateOf(Date.now() - 2 * DAY)}`;

describe.skipIf(skip)('the bundle on a real node: the default profile (kube-prometheus-stack), then the plain-Prometheus one', () => {
  let tier: Tier;
  let before: Snapshot;
  let objects: Obj[];
  const forwards: Array<{ stop: () => void }> = [];
  const forward = async (ns: string, target: string, port: number) => {
    const f = await portForward(tier.node, ns, target, port);
    forwards.push(f);
    return f.url;
  };
  let prom: string;
  // Names from the config the bundle was built from: the demo's (on in the repository's config), and the
  // namespaces of the trace pipeline and of the monitors.
  let demo: MeshobsConfig['demo'];
  let obs: string;
  let mon: string;
  const isDemoDeployment = (o: Obj) => o.kind === 'Deployment' && o.metadata.namespace === demo.namespace;

  beforeAll(async () => {
    const profile = await buildProfile('default', {});
    ({ demo } = profile.config);
    obs = profile.config.namespaces.observability;
    mon = profile.config.namespaces.monitoring;
    const now = Date.now();
    tier = await startTier(profile, {
      backdatedIndices: new Map([
        [EXPIRED, now - 10 * DAY],
        [RECENT, now - 2 * DAY],
      ]),
    });
    objects = tier.cluster.objects;
    before = snapshot(tier.node);
    applyBundle(tier.node, profile.bundleDir);
    for (const o of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet'))
      rolloutStatus(tier.node, o.metadata.namespace!, `${o.kind.toLowerCase()}/${o.metadata.name}`, 300);
    prom = await forward(tier.cluster.names.namespace, `svc/${tier.cluster.names.prometheus}`, 9090);
  });

  afterAll(async () => {
    for (const f of forwards) f.stop();
    await tier?.node.stop();
  });

  it('runs every Deployment and StatefulSet: pods Running, containers ready (probes pass), no restarts', () => {
    const t = triage('restarts', workloadProblems(tier.node, objects));
    if (t.explained.length) console.log(`known defect seen: ${t.explained.join('; ')}`);
    expect(t.unexplained).toEqual([]);
  });

  it('runs each container as its securityContext and resources say, enforced by the kernel', () => {
    const { problems, checked } = runtimeProblems(tier.node, objects);
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(problems).toEqual([]);
  });

  it('mutation: a pod that never gets ready, and one that runs otherwise than declared, are both reported', () => {
    const original = objects.find(isDemoDeployment)!;
    const labels = { app: 'meshobs-mutant' };
    const mutant = structuredClone(original);
    mutant.metadata = { name: 'meshobs-mutant', namespace: original.metadata.namespace, labels };
    mutant.spec.replicas = 1;
    mutant.spec.selector = { matchLabels: labels };
    mutant.spec.template.metadata.labels = labels;
    const c = mutant.spec.template.spec.containers[0];
    c.readinessProbe = { ...c.readinessProbe, httpGet: { ...c.readinessProbe.httpGet, path: '/status/503' } };
    delete c.startupProbe;
    c.securityContext = { ...c.securityContext, readOnlyRootFilesystem: false, runAsUser: 65533 };
    tier.node.kubectl(['apply', '-f', '-'], stringify(mutant));
    try {
      tier.node.kubectl([
        '-n',
        mutant.metadata.namespace!,
        'wait',
        '--for=jsonpath={.status.phase}=Running',
        'pod',
        '-l',
        'app=meshobs-mutant',
        '--timeout=120s',
      ]);
      expect(workloadProblems(tier.node, [mutant])).toEqual([expect.stringMatching(new RegExp(`container ${c.name}: not ready$`))]);
      // What the kernel runs for the mutant, against what the default bundle declares.
      const declared = structuredClone(mutant);
      declared.spec.template.spec.containers[0].securityContext = original.spec.template.spec.containers[0].securityContext;
      const { problems } = runtimeProblems(tier.node, [declared]);
      expect(problems).toEqual([expect.stringMatching(/: uid 65533\b/), expect.stringMatching(/root file system not read-only/)]);
    } finally {
      tier.node.kubectl(['delete', '-f', '-', '--wait=false'], stringify(mutant));
    }
  });

  it('scrapes every ServiceMonitor and PodMonitor endpoint: a target with up == 1 (those of istiod and sidecars aside)', async () => {
    let v = await monitorVerdicts(prom, objects);
    await waitUntil(
      async () => {
        v = await monitorVerdicts(prom, objects);
        return v.problems.length === 0;
      },
      180_000,
      'every monitor endpoint to have a target up',
      2000,
    ).catch(() => undefined);
    expect(v.problems).toEqual([]);
    expect(v.up.length).toBeGreaterThanOrEqual(4);
    // The node runs neither istiod nor sidecars: these cannot have targets here.
    expect(v.istio).toEqual([
      expect.stringMatching(/^podMonitor\/monitoring\/meshobs-app-.*\(sidecar port http-envoy-prom\)$/),
      expect.stringMatching(/^podMonitor\/monitoring\/meshobs-envoy-stats\/0 \(sidecar port http-envoy-prom\)$/),
      expect.stringMatching(/^serviceMonitor\/monitoring\/meshobs-istiod\/0 \(istiod\)$/),
    ]);
    // The chart's own jobs the rules read: kubelet/cAdvisor and kube-state-metrics, under their job names.
    const up = await getJson<{ data: { result: Array<{ metric: { job: string } }> } }>(
      `${prom}/api/v1/query?query=${encodeURIComponent('up == 1')}`,
    );
    const jobs = new Set(up.data.result.map((r) => r.metric.job));
    expect([...jobs]).toEqual(expect.arrayContaining(['kubelet', 'kube-state-metrics']));
  });

  it('mutation: a monitor whose Service no longer declares its port has no target, and is reported', async () => {
    // Service discovery changes reach Prometheus in seconds; a new ServiceMonitor would wait for the
    // config reloader's 3-minute poll (prometheus-config-reloader v0.85.0 defaultWatchInterval).
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'jaeger-query')!;
    const renamed = structuredClone(svc);
    renamed.spec.ports = renamed.spec.ports.map((p: any) => (p.name === 'http-metrics' ? { ...p, name: 'http-undeclared' } : p));
    tier.node.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], stringify(renamed));
    try {
      let v = await monitorVerdicts(prom, objects);
      await waitUntil(
        async () => {
          v = await monitorVerdicts(prom, objects);
          return v.problems.length > 0;
        },
        120_000,
        'the jaeger-query target to go',
        2000,
      );
      expect(v.problems).toEqual([`serviceMonitor/${obs}/jaeger-query/0 port http-metrics: no target`]);
    } finally {
      tier.node.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], stringify(svc));
    }
    await waitUntil(
      async () => (await monitorVerdicts(prom, objects)).problems.length === 0,
      120_000,
      'the jaeger-query target back',
      2000,
    );
  });

  it('scrapes an app through its sidecar: the app PodMonitor selects istio-proxy by its declared http-envoy-prom port and scrapes pilot-agent on :15020, through the demo NetworkPolicy; mutation: a sidecar without that port name has no target', async () => {
    // Istio's injection template declares one container port on istio-proxy, http-envoy-prom 15090
    // (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml);
    // pilot-agent serves the merged app + Envoy metrics on 15020 /stats/prometheus, a port it does not
    // declare. The node cannot run istio-proxy: these pods listen on both ports as its container, each
    // answering which port was scraped, so the real operator-generated scrape config decides.
    const monitor = objects.find(
      (o) =>
        o.kind === 'PodMonitor' &&
        o.metadata.name.startsWith('meshobs-app-') &&
        o.spec.namespaceSelector?.matchNames?.includes(demo.namespace),
    )!;
    const pool = `podMonitor/${monitor.metadata.namespace}/${monitor.metadata.name}/0`;
    const job = (monitor.spec.podMetricsEndpoints[0].relabelings as any[]).find((r) => r.targetLabel === 'job')?.replacement;
    // Prometheus 3 refuses a scrape answer without Content-Type: the exposition format's.
    const listen = [ISTIO_PORTS.mergedMetrics, ISTIO_PORTS.envoyStats]
      .map(
        (port) =>
          `require('node:http').createServer((q, r) => r.setHeader('content-type', 'text/plain; version=0.0.4').end('meshobs_sidecar_probe{listener="${port}"} 1\\n')).listen(${port});`,
      )
      .join('');
    const sidecar = (name: string, portName: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: demo.namespace, labels: { app: demo.name, version: name } },
      spec: {
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'istio-proxy',
            image: IMAGES.demoService.ref,
            command: ['node', '-e', `${listen}process.on('SIGTERM', () => process.exit(0));`],
            ports: [{ name: portName, containerPort: ENVOY_PROM_PORT.number }],
            readinessProbe: { tcpSocket: { port: ISTIO_PORTS.mergedMetrics }, periodSeconds: 2 },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    });
    // The mutant first: once the sidecar created after it has a target, discovery has seen both.
    const mutant = 'meshobs-sidecar-renamed';
    const good = 'meshobs-sidecar';
    // Another port name (at most 15 characters, like every port name).
    const docs = [sidecar(mutant, 'http-envoy'), sidecar(good, ENVOY_PROM_PORT.name)].map((d) => stringify(d)).join('---\n');
    try {
      tier.node.kubectl(['apply', '-f', '-'], docs);
      tier.node.kubectl(['-n', demo.namespace, 'wait', '--for=condition=Ready', `pod/${mutant}`, `pod/${good}`, '--timeout=120s']);
      let problems = await mergedMetricsProblems(prom, pool, [good]);
      await waitUntil(
        async () => {
          problems = await mergedMetricsProblems(prom, pool, [good]);
          return problems.length === 0;
        },
        120_000,
        `a target up for pod ${good} in ${pool}`,
        2000,
      ).catch(() => undefined);
      expect(problems).toEqual([]);
      expect(await mergedMetricsProblems(prom, pool, [good, mutant])).toEqual([`${pool} pod ${mutant}: no target`]);
      // The two PodMonitors' pools discover and scrape the pod on their own schedules: wait until both have
      // scraped it once (the app pool's target alone being up says nothing of the envoy-stats pool).
      const probeSeries = async () =>
        (
          await getJson<{ data: { result: Array<{ metric: Record<string, string> }> } }>(
            `${prom}/api/v1/query?query=${encodeURIComponent(`meshobs_sidecar_probe{pod="${good}"}`)}`,
          )
        ).data.result.map((r) => r.metric);
      let series = await probeSeries();
      await waitUntil(
        async () => {
          series = await probeSeries();
          return series.length >= 2;
        },
        60_000,
        `both PodMonitors to scrape pod ${good}`,
        1000,
      ).catch(() => undefined);
      // The app job reads pilot-agent's port; the envoy-stats PodMonitor, selecting the same declared port, stays on Envoy's.
      const byListener = series
        .map((m) => ({ job: m.job, listener: m.listener, app: m.app }))
        .sort((x, y) => x.listener!.localeCompare(y.listener!));
      expect(byListener).toEqual([
        { job, listener: String(ISTIO_PORTS.mergedMetrics), app: demo.name },
        { job: tier.profile.config.prometheus.jobs.envoy, listener: String(ISTIO_PORTS.envoyStats), app: demo.name },
      ]);
    } finally {
      tier.node.kubectl(['delete', '--ignore-not-found', '-f', '-', '--wait=true'], docs);
    }
  });

  const bundleGroups = () =>
    objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups as Array<{ name: string; rules: unknown[] }>);

  it('loads every rule group and evaluates every rule without error', async () => {
    let r = await ruleProblems(prom, bundleGroups());
    await waitUntil(
      async () => {
        r = await ruleProblems(prom, bundleGroups());
        return r.problems.length === 0 && r.pending === 0;
      },
      180_000,
      'every rule group loaded and evaluated',
      2000,
    ).catch(() => undefined);
    expect(r).toEqual({ problems: [], pending: 0 });
  });

  it('mutation: a rule that fails to evaluate, and a PrometheusRule without the release label, are both reported', async () => {
    const release = tier.cluster.names.release;
    const rule = (name: string, labels: Record<string, string>, expr: string) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name, namespace: mon, labels },
      spec: { groups: [{ name, rules: [{ record: `${name.replaceAll('-', '_')}:bad`, expr }] }] },
    });
    // Many `up` series on the right of a one-to-one match: an evaluation error, not a parse error.
    const failing = rule('meshobs-mutant-eval', { release }, 'up * on() group_left() up');
    const unselected = rule('meshobs-mutant-unselected', {}, 'vector(1)');
    const docs = [failing, unselected].map((d) => stringify(d)).join('---\n');
    tier.node.kubectl(['apply', '-f', '-'], docs);
    try {
      let r = await ruleProblems(prom, [...failing.spec.groups, ...unselected.spec.groups]);
      await waitUntil(
        async () => {
          r = await ruleProblems(prom, [...failing.spec.groups, ...unselected.spec.groups]);
          return r.problems.some((p) => p.startsWith('group meshobs-mutant-eval rule'));
        },
        180_000,
        'the mutant rule to be evaluated',
        2000,
      );
      expect(r.problems).toEqual([
        expect.stringMatching(/^group meshobs-mutant-eval rule meshobs_mutant_eval:bad: .*(duplicate series|many-to-many)/),
        'group meshobs-mutant-unselected: not loaded',
      ]);
    } finally {
      tier.node.kubectl(['delete', '-f', '-'], docs);
    }
  });

  it('leaves traces of requests into the demo in Jaeger, through both collector tiers, with every custom tag and the pods k8s attributes; samples health checks ~10 %, /metrics ~1 %, the rest 100 %', async () => {
    const front = await forward(demo.namespace, `svc/${demo.name}`, demo.port);
    const jaeger = await forward(obs, 'svc/jaeger-query', 16686);
    const run = randomBytes(4).toString('hex');
    const ua = (kind: string) => `meshobs-node-${kind}-${run}`;
    const ORDINARY = 40;
    const HEALTH = 400;
    const METRICS = 1200;
    const ordinary = await load(ORDINARY, 4, (i) =>
      send(front, '/echo', { method: 'POST', body: `hello ${i}`, userAgent: ua('ordinary'), requestId: `${run}-${i}` }),
    );
    const health = await load(HEALTH, 8, () => send(front, '/healthz', { userAgent: ua('health') }));
    const metrics = await load(METRICS, 8, () => send(front, '/metrics', { userAgent: ua('metrics') }));
    expect([...new Set([...ordinary, ...health, ...metrics])]).toEqual([200]);
    const count = async (kind: string, operation: string) => {
      const tags = encodeURIComponent(JSON.stringify({ user_agent: ua(kind) }));
      const r = await getJson<{ data: any[] }>(
        `${jaeger}/api/traces?service=${demo.name}&operation=${encodeURIComponent(operation)}&tags=${tags}&limit=5000&lookback=1h`,
      );
      return r.data;
    };
    // Every ordinary trace arrives (after the sampler's decision wait); the others are counted once
    // two reads in a row agree (the sampler decides each trace once).
    let traces: any[] = [];
    await waitUntil(
      async () => {
        traces = await count('ordinary', 'POST /echo');
        return traces.length >= ORDINARY;
      },
      180_000,
      `${ORDINARY} ordinary traces in Jaeger`,
      3000,
    );
    let last = [-1, -1];
    let counts = [0, 0];
    await waitUntil(
      async () => {
        counts = [(await count('health', 'GET /healthz')).length, (await count('metrics', 'GET /metrics')).length];
        const stable = counts[0] === last[0] && counts[1] === last[1];
        last = counts;
        return stable;
      },
      120_000,
      'the sampled health and metrics trace counts to settle',
      10_000,
    );
    expect(traces).toHaveLength(ORDINARY);
    // Binomial bounds, each failing by chance with probability < 1e-4: 10 % of 400 (mean 40), 1 % of 1200 (mean 12).
    expect(counts[0]).toBeGreaterThanOrEqual(18);
    expect(counts[0]).toBeLessThanOrEqual(66);
    expect(counts[1]).toBeGreaterThanOrEqual(2);
    expect(counts[1]).toBeLessThanOrEqual(28);
    const podNames = new Set(objects.filter(isDemoDeployment).flatMap((o) => podsOf(tier.node, o).map((p) => p.metadata.name as string)));
    for (const t of traces) {
      const services = new Set(Object.values(t.processes as Record<string, { serviceName: string }>).map((p) => p.serviceName));
      expect([...services].sort(), 'front end and backend in one trace').toEqual([demo.name, demo.backendName].sort());
      for (const p of Object.values(t.processes as Record<string, { tags: Array<{ key: string; value: string }> }>)) {
        const tags = Object.fromEntries(p.tags.map((x) => [x.key, x.value]));
        expect(podNames.has(tags['k8s.pod.name'] ?? ''), `k8s.pod.name ${tags['k8s.pod.name']} is a running pod`).toBe(true);
        // k8s_attributes looked the pod up in the API (the demo does not send the deployment name).
        expect(objects.filter(isDemoDeployment).map((o) => o.metadata.name)).toContain(tags['k8s.deployment.name']);
        expect(tags['k8s.node.name']).toBe('meshobs-node');
      }
      for (const s of t.spans as Array<{ tags: Array<{ key: string; value: string }> }>) {
        const tags = Object.fromEntries(s.tags.map((x) => [x.key, x.value]));
        expect(Object.keys(tags)).toEqual(
          expect.arrayContaining(['environment', 'cluster_name', 'pod_name', 'namespace', 'request_id', 'user_agent']),
        );
        expect(tags.environment).toBe('production');
        expect(tags.cluster_name).toBe('kubernetes-security-cluster');
        expect(tags.request_id).toMatch(new RegExp(`^${run}-\\d+$`));
      }
    }
    // Both collector tiers passed spans on: the load-balancing tier to the samplers, the samplers to Jaeger.
    const sent = async (q: string) =>
      Number(
        (await getJson<{ data: { result: Array<{ value: [number, string] }> } }>(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`))
          .data.result[0]?.value[1] ?? 0,
      );
    await waitUntil(
      async () =>
        (await sent('sum(otelcol_exporter_sent_spans_total{exporter=~"load_?balancing"})')) > 0 &&
        (await sent('sum(otelcol_exporter_sent_spans_total{exporter=~"otlp.*", pod=~".*-sampler-.*"})')) > 0,
      120_000,
      'both tiers to report spans sent',
      3000,
    );
  });

  it('mutation: a trace that skips the collector reaches Jaeger without the custom tags, and the tag check says so', async () => {
    const jaegerCollector = await forward(obs, 'svc/jaeger-collector', 4318);
    const jaeger = await forward(obs, 'svc/jaeger-query', 16686);
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`${jaegerCollector}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'meshobs-mutant' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId: randomBytes(8).toString('hex'),
                    name: 'GET /',
                    kind: 2,
                    startTimeUnixNano: String(now - 1000n),
                    endTimeUnixNano: String(now),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    let trace: any;
    await waitUntil(
      async () => {
        const r = await fetch(`${jaeger}/api/traces/${traceId}`);
        if (r.status !== 200) return false;
        trace = ((await r.json()) as { data: any[] }).data[0];
        return !!trace;
      },
      120_000,
      'the mutant trace in Jaeger',
      2000,
    );
    const keys = trace.spans[0].tags.map((t: { key: string }) => t.key);
    expect(keys).not.toContain('environment');
    expect(keys).not.toContain('cluster_name');
  });

  it('deletes the expired index and keeps the recent ones when the retention CronJob runs once', () => {
    const { node } = tier;
    const indices = () =>
      JSON.parse(
        node.sandbox.run(process.execPath, [
          '-e',
          `fetch('${tier.cluster.searchEngine.innerUrl}/_cat/indices/jaeger-*?format=json&h=index').then((r) => r.json()).then((x) => console.log(JSON.stringify(x.map((i) => i.index).sort())))`,
        ]),
      ) as string[];
    // The check itself, before the job: the expired index is there.
    const beforeRun = indices();
    expect(beforeRun).toEqual(expect.arrayContaining([EXPIRED, RECENT]));
    const job = JSON.parse(
      node.kubectl([
        '-n',
        obs,
        'create',
        'job',
        'meshobs-retention-now',
        '--from=cronjob/jaeger-es-index-cleaner',
        '--dry-run=client',
        '-o',
        'json',
      ]),
    );
    // As declared (restartPolicy OnFailure: a failed first connection, made before the enforcer admits the
    // new pod's address, is retried in the same pod; with Never every retry was a new pod losing the same race).
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    node.kubectl(['apply', '-f', '-'], JSON.stringify(job));
    try {
      node.kubectl(['-n', obs, 'wait', '--for=condition=complete', 'job/meshobs-retention-now', '--timeout=180s']);
      const after = indices();
      expect(after).not.toContain(EXPIRED);
      expect(after).toContain(RECENT);
      // The indices Jaeger itself wrote today stay.
      expect(after.filter((i) => i.endsWith(dateOf(Date.now()))).length).toBeGreaterThan(0);
    } finally {
      node.kubectl(['-n', obs, 'delete', 'job', 'meshobs-retention-now', '--wait=false']);
    }
  });

  it('enforces the NetworkPolicies: each declared flow connects, each forbidden one is refused by the kernel, as cyclonus says', async () => {
    const flows = contractFlows(tier.profile.config, objects as any);
    const verdicts = await tryFlows(tier.node, flows);
    const wrong = verdicts
      .filter((v) => (v.required ? v.verdict !== 'connected' : v.verdict !== 'refused'))
      .map((v) => `${v.required ? 'required' : 'forbidden'} ${v.verdict}: ${v.flow.why} (${v.flow.to.namespace}:${v.flow.port})`);
    expect(wrong).toEqual([]);
    expect(verdicts.length).toBeGreaterThan(40);
    // cyclonus, the model the cluster tier judges the policies with, on the same flows.
    expect(
      cyclonusVerdicts(
        objects,
        verdicts.map((v) => v.flow),
      ),
    ).toEqual(verdicts.map((v) => v.verdict === 'connected'));
  });

  it('mutation: the collector NetworkPolicy without its ingress rules makes the demo-to-collector flow refused', async () => {
    // NetworkPolicies add up (a flow is allowed when any policy that selects the pod allows it), so the
    // mutation changes the bundle's own policy of the collector, not a second one beside it.
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'otel-collector')!;
    const shut = structuredClone(policy);
    shut.spec.ingress = [];
    tier.node.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], stringify(shut));
    try {
      const flows = contractFlows(tier.profile.config, objects as any).filter(
        (f) => f.required && f.flow.to.name === 'otel-collector' && f.flow.from.namespace === demo.namespace,
      );
      expect(flows.length).toBeGreaterThan(0);
      const verdicts = await tryFlows(tier.node, flows);
      expect(verdicts.map((v) => v.verdict)).toEqual(flows.map(() => 'refused'));
    } finally {
      tier.node.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], stringify(policy));
    }
  });

  it('meshobs verify passes on the node, each Istio-side monitor skipped with its reason', async () => {
    const { code, lines } = await meshobs(tier.node, ['verify', '--config', tier.profile.configFile, '--timeout', '120']);
    const failed = lines.filter((l) => l.startsWith('FAIL'));
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    const skipped = lines.filter((l) => l.startsWith('SKIP')).map((l) => l.replace(/\s+/g, ' '));
    expect(skipped).toHaveLength(5);
    expect(skipped).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^SKIP monitor PodMonitor\/monitoring\/meshobs-app-.* endpoint http-envoy-prom: nothing to scrape: .*none has an Istio sidecar/,
        ),
        expect.stringMatching(
          /^SKIP monitor PodMonitor\/monitoring\/meshobs-envoy-stats endpoint http-envoy-prom: nothing to scrape: .*none has an Istio sidecar/,
        ),
        expect.stringMatching(
          /^SKIP monitor ServiceMonitor\/monitoring\/meshobs-istiod endpoint http-monitoring: nothing to scrape: no Service/,
        ),
      ]),
    );
    for (const check of ['workload', 'monitor', 'jobs', 'rules', 'alertmanager', 'trace', 'dashboards'])
      expect(
        lines.some((l) => l.startsWith('PASS') && l.includes(` ${check} `)),
        `a PASS line for ${check}`,
      ).toBe(true);
  });

  it('mutation: meshobs verify fails naming the objects on a broken bundle (an unpublished demo image, another release label)', async () => {
    const broken = await buildProfile('broken', {
      demo: { image: 'ghcr.io/meshobs/demo-service:0.0.0-unpublished' },
      // The same Prometheus (its URL would follow the release otherwise): its rule selector now misses the rules.
      prometheus: { release: 'not-this-release', url: tier.profile.config.prometheus.url },
    });
    tier.node.kubectl(['apply', '--server-side', '-k', broken.bundleDir]);
    try {
      const { code, lines } = await meshobs(tier.node, ['verify', '--config', broken.configFile, '--timeout', '15']);
      expect(code).toBe(1);
      const failed = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.replace(/\s+/g, ' '));
      expect(failed).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            new RegExp(
              `^FAIL workload Deployment/${demo.namespace}/${demo.name}-${demo.versions[0]!.name}: .*(ErrImagePull|ImagePullBackOff)`,
            ),
          ),
          expect.stringMatching(/^FAIL rules rule group meshobs\.istio\.requests: not loaded by Prometheus/),
        ]),
      );
    } finally {
      tier.node.kubectl(['apply', '--server-side', '-k', tier.profile.bundleDir]);
      for (const o of objects.filter(isDemoDeployment)) rolloutStatus(tier.node, demo.namespace, `deployment/${o.metadata.name}`, 300);
    }
  });

  it('fires High5xxErrorRate on demo /status/500 traffic, and Alertmanager delivers it to the critical receiver (a webhook on the node)', async () => {
    const { node } = tier;
    const ns = tier.profile.config.namespaces.istio;
    const script = readFileSync(fileURLToPath(new URL('../pods/istio-stats.mjs', import.meta.url)), 'utf8');
    const demoSvc = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === demo.namespace && o.metadata.name === demo.name)!;
    const standIn = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'meshobs-istio-stats', namespace: ns },
        data: { 'istio-stats.mjs': script },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        // Where the ingress gateway runs: the demo's NetworkPolicy lets the Istio namespace in.
        metadata: { name: 'meshobs-istio-stats', namespace: ns, labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'istio-proxy',
              image: IMAGES.demoService.ref,
              command: ['node', '/stats/istio-stats.mjs'],
              env: Object.entries({
                UPSTREAM: `http://${demoSvc.metadata.name}.${demoSvc.metadata.namespace}.svc.cluster.local:${demo.port}`,
                DESTINATION_SERVICE: `${demoSvc.metadata.name}.${demoSvc.metadata.namespace}.svc.cluster.local`,
                DESTINATION_SERVICE_NAME: demoSvc.metadata.name,
                DESTINATION_SERVICE_NAMESPACE: demoSvc.metadata.namespace!,
                DESTINATION_WORKLOAD: `${demo.name}-${demo.versions[0]!.name}`,
                DESTINATION_VERSION: demo.versions[0]!.name,
              }).map(([name, value]) => ({ name, value })),
              ports: [
                { name: 'http-envoy-prom', containerPort: 15090 },
                { name: 'http', containerPort: 8080 },
              ],
              readinessProbe: { tcpSocket: { port: 15090 }, periodSeconds: 2 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'stats', mountPath: '/stats' }],
            },
          ],
          volumes: [{ name: 'stats', configMap: { name: 'meshobs-istio-stats' } }],
        },
      },
    ];
    const docs = standIn.map((d) => stringify(d)).join('---\n');
    node.kubectl(['apply', '-f', '-'], docs);
    try {
      node.kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/meshobs-istio-stats', '--timeout=120s']);
      const gateway = await forward(ns, 'pod/meshobs-istio-stats', 8080);
      const sink = await forward(tier.cluster.sink.namespace, `svc/${tier.cluster.sink.name}`, 8080);
      // The critical receiver's notifications that carry High5xxErrorRate (the node also fires
      // IstioControlPlaneUnavailable: it has no istiod).
      type Notification = { status: string; alerts: Array<{ status: string; labels: Record<string, string> }> };
      const delivered = async () =>
        (await getJson<Array<{ path: string; body: string }>>(`${sink}/received`))
          .filter((r) => r.path === `/${tier.profile.config.alertmanager.receivers.critical.name}`)
          .map((r) => JSON.parse(r.body) as Notification)
          .filter((n) => n.alerts.some((a) => a.labels.alertname === 'High5xxErrorRate'));
      const query = async (q: string) =>
        (await getJson<{ data: { result: Array<{ value: [number, string] }> } }>(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`))
          .data.result;
      const rateRecord = `service:istio_requests:rate1m{destination_service_name="${demo.name}"}`;
      // Healthy traffic first: once the rules have seen it, the alert must not be firing (the check can fail).
      let healthyUntil = Date.now() + 300_000;
      const healthy = (async () => {
        while (Date.now() < healthyUntil) await send(gateway, '/', { userAgent: 'meshobs-node-healthy' }).catch(() => 0);
      })();
      await waitUntil(
        async () => (await query(`${rateRecord} > 0`)).length > 0,
        180_000,
        'the request rate of healthy traffic in the recorded rules',
        3000,
      );
      const seen = Date.now() / 1000;
      await waitUntil(
        async () => {
          const groups = (await getJson<{ data: { groups: Array<{ name: string; lastEvaluation: string }> } }>(`${prom}/api/v1/rules`)).data
            .groups;
          return groups.some((g) => g.name === 'meshobs.istio.alerts' && Date.parse(g.lastEvaluation) / 1000 > seen);
        },
        120_000,
        'the alert group evaluated on healthy traffic',
        2000,
      );
      expect(await query('ALERTS{alertname="High5xxErrorRate"}')).toEqual([]);
      healthyUntil = 0;
      await healthy;
      // The fault: every request answers 500, at about 5 per second, until the alert is delivered.
      let faulting = true;
      const fault = (async () => {
        while (faulting) {
          await send(gateway, '/status/500', { userAgent: 'meshobs-node-fault' }).catch(() => 0);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      try {
        await waitUntil(async () => (await delivered()).length > 0, 300_000, 'High5xxErrorRate delivered to the critical receiver', 3000);
      } finally {
        faulting = false;
        await fault;
      }
      const body = (await delivered())[0]!;
      expect(body.status).toBe('firing');
      expect(body.alerts[0]!.labels).toMatchObject({
        alertname: 'High5xxErrorRate',
        severity: 'critical',
        destination_service_name: demo.name,
        destination_service_namespace: demo.namespace,
      });
    } finally {
      node.kubectl(['delete', '-f', '-', '--wait=true'], docs);
    }
  });

  // HPAs that cannot scale: a condition False (FailedGetResourceMetric when no metrics-server serves
  // the resource metrics API), as the node's kube-controller-manager reports it.
  const hpaProblems = () =>
    (JSON.parse(tier.node.kubectl(['get', 'hpa', '-A', '-o', 'json'])).items as any[]).flatMap((h) =>
      (h.status?.conditions ?? [])
        .filter((c: any) => c.status === 'False')
        .map((c: any) => `HPA ${h.metadata.namespace}/${h.metadata.name}: ${c.type} ${c.reason}`),
    );

  it('runs no HorizontalPodAutoscaler where no metrics-server runs (profile.metricsServer false): replicas fixed, none unable to scale', () => {
    expect(tier.profile.config.profile.metricsServer).toBe(false);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map(keyOf)).toEqual([]);
    expect(JSON.parse(tier.node.kubectl(['get', 'hpa', '-A', '-o', 'json'])).items).toEqual([]);
  });

  it('mutation: the HPAs of a metricsServer profile, on this node without metrics-server, are reported unable to scale', async () => {
    const scaled = await buildProfile('metrics-server', { profile: { metricsServer: true } });
    const hpas = renderBundle(tier.node, scaled.bundleDir).filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.length).toBeGreaterThan(0);
    const docs = hpas.map((d) => stringify(d)).join('---\n');
    tier.node.kubectl(['apply', '-f', '-'], docs);
    try {
      let problems: string[] = [];
      await waitUntil(
        () => {
          problems = hpaProblems();
          return problems.length >= hpas.length;
        },
        120_000,
        'the HPA controller to report every HPA of the metricsServer profile',
        2000,
      );
      expect(problems).toEqual(hpas.map(() => expect.stringMatching(/: ScalingActive FailedGetResourceMetric$/)));
    } finally {
      tier.node.kubectl(['delete', '-f', '-', '--wait=true'], docs);
    }
  });

  it('kubectl delete -k removes everything the bundle created and nothing else', () => {
    const { node } = tier;
    node.kubectl(['delete', '-k', tier.profile.bundleDir, '--wait=true', '--timeout=300s']);
    const resource = (o: Obj) => (o.apiVersion?.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind);
    const left = objects.filter(
      (o) =>
        node.kubectlResult(['get', resource(o), o.metadata.name, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])]).code === 0,
    );
    expect(left.map(keyOf)).toEqual([]);
    const bundleKeys = new Set(objects.map(keyOf));
    const t = triage(
      'delete',
      lost(before, snapshot(node)).filter((k) => !bundleKeys.has(k)),
    );
    expect(t.unexplained, 'objects that were there before the bundle and are gone').toEqual([]);
    expect(t.absent, 'fixed? remove it from known-defects.ts').toEqual([]);
  });

  // The plain profile on the same node, once the default bundle is deleted: its Prometheus and
  // Alertmanager without the operator load the bundle's scrape-configs.yml, rules.yml and
  // alertmanager.yml (src/stack.ts plainStack). The collector, Jaeger, retention and NetworkPolicies are
  // the same objects as the default bundle's and were checked above.
  describe('the plain-Prometheus profile', () => {
    let plain: Profile;
    let plainObjects: Obj[];
    let plainBefore: Snapshot;
    let plainProm: string;

    beforeAll(async () => {
      const { node, cluster } = tier;
      plain = await buildProfile('plain', { profile: { prometheus: 'plain' } });
      removeStack(node, cluster);
      profileSetup(node, cluster, plain);
      profileReady(node, cluster, plain.config);
      plainObjects = cluster.objects;
      plainBefore = snapshot(node);
      applyBundle(node, plain.bundleDir);
      for (const o of plainObjects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet'))
        rolloutStatus(node, o.metadata.namespace!, `${o.kind.toLowerCase()}/${o.metadata.name}`, 300);
      plainProm = await forward(cluster.names.namespace, 'deployment/prometheus', 9090);
    });

    it('runs every Deployment and StatefulSet: pods Running, containers ready, no restarts', () => {
      expect(workloadProblems(tier.node, plainObjects)).toEqual([]);
    });

    it('loads rules.yml: every group loaded, every rule evaluated without error', async () => {
      const groups = (
        parse(readFileSync(join(plain.bundleDir, 'alerts', 'rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: unknown[] }> }
      ).groups;
      let r = await ruleProblems(plainProm, groups);
      await waitUntil(
        async () => {
          r = await ruleProblems(plainProm, groups);
          return r.problems.length === 0 && r.pending === 0;
        },
        180_000,
        'every rule group loaded and evaluated',
        2000,
      ).catch(() => undefined);
      expect(r).toEqual({ problems: [], pending: 0 });
    });

    it('runs the jobs of scrape-configs.yml', async () => {
      const jobs = (
        parse(readFileSync(join(plain.bundleDir, 'alerts', 'scrape-configs.yml'), 'utf8')) as {
          scrape_configs: Array<{ job_name: string }>;
        }
      ).scrape_configs.map((j) => j.job_name);
      const config = (await getJson<{ data: { yaml: string } }>(`${plainProm}/api/v1/status/config`)).data.yaml;
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) expect(config, `job ${job} loaded`).toContain(`job_name: ${job}`);
    });

    it('meshobs verify passes: every job the rules and dashboards read is scraped, the collector too (scrape-configs.yml)', async () => {
      const { code, lines } = await meshobs(tier.node, ['verify', '--config', plain.configFile, '--timeout', '120']);
      const failed = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.replace(/\s+/g, ' '));
      const t = triage('plain', failed);
      expect(code, lines.join('\n')).toBe(0);
      expect(t.unexplained).toEqual([]);
      expect(t.absent, 'fixed? remove it from known-defects.ts').toEqual([]);
      for (const check of ['workload', 'jobs', 'rules', 'alertmanager', 'trace'])
        expect(
          lines.some((l) => l.startsWith('PASS') && l.includes(` ${check} `)),
          `a PASS line for ${check} in:\n${lines.join('\n')}`,
        ).toBe(true);
      // Once a known defect: the plain profile had no job for the collector, which the tracing dashboard reads.
      const collectorJob = tier.profile.config.prometheus.jobs.collector;
      expect(lines.map((l) => l.replace(/\s+/g, ' '))).toContainEqual(
        expect.stringMatching(new RegExp(`^PASS jobs job ${collectorJob}: `)),
      );
    });

    it('kubectl delete -k removes everything the bundle created and nothing else', () => {
      const { node } = tier;
      node.kubectl(['delete', '-k', plain.bundleDir, '--wait=true', '--timeout=240s']);
      const resource = (o: Obj) => (o.apiVersion?.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind);
      const left = plainObjects.filter(
        (o) =>
          node.kubectlResult(['get', resource(o), o.metadata.name, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])]).code ===
          0,
      );
      expect(left.map(keyOf)).toEqual([]);
      const bundleKeys = new Set(plainObjects.map(keyOf));
      const t = triage(
        'delete',
        lost(plainBefore, snapshot(node)).filter((k) => !bundleKeys.has(k)),
      );
      expect(t.unexplained).toEqual([]);
    });
  });
});

/** cyclonus `analyze --mode query-traffic` on the bundle's NetworkPolicies: allowed or not, per flow. */
function cyclonusVerdicts(objects: Obj[], flows: Array<{ from: any; to: any; port: number; protocol?: string }>): boolean[] {
  const dir = tempDir('node-cyclonus-policies');
  const traffic = join(tempDir('node-cyclonus-traffic'), 'traffic.json');
  writeFileSync(
    join(dir, 'policies.yaml'),
    stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items: objects.filter((o) => o.kind === 'NetworkPolicy') }),
  );
  const peer = (p: { namespace: string; labels: Record<string, string> }) => ({
    Internal: { Namespace: p.namespace, NamespaceLabels: { 'kubernetes.io/metadata.name': p.namespace }, PodLabels: p.labels },
  });
  writeFileSync(
    traffic,
    JSON.stringify(
      flows.map((f) => ({
        Source: peer(f.from),
        Destination: peer(f.to),
        ResolvedPort: f.port,
        ResolvedPortName: '',
        Protocol: f.protocol ?? 'TCP',
      })),
    ),
  );
  const out = execFileSync(
    requireTool('cyclonus'),
    ['analyze', '--mode=query-traffic', `--policy-path=${dir}`, `--traffic-path=${traffic}`],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  return [...out.matchAll(/\| IS ALLOWED\? \|\s+(TRUE|FALSE)\s+\|/g)].map((m) => m[1] === 'TRUE');
}
