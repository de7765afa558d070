// `meshobs verify`: after `kubectl apply -k`, checks that the bundle runs in the cluster of the current
// kubeconfig context, with the config that built it. Read-mostly: it reads objects, reaches Prometheus,
// Alertmanager, the collector and Jaeger through `kubectl port-forward` on loopback ports (which works
// under Istio STRICT mTLS and the bundle's NetworkPolicies: the forwarded connection is local to the
// pod), and writes one test trace. It creates no object; every port-forward is stopped at the end.
// One line per check: PASS, FAIL or SKIP, the object, the reason. Exit 1 on any FAIL.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { ISTIO_PORTS, type KubeObject, overlayOf } from '@meshobs/kube';
import { ENVOY_PROM_PORT } from '@meshobs/model';
import { sleep } from '@meshobs/process';
import { parse } from 'yaml';
import { buildInMemory, type Io } from './commands.ts';
import { findConfig, UsageError } from './load-config.ts';
import { withSignalCleanup } from './signals.ts';
import { findTool } from './tools.ts';

export type Status = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  status: Status;
  check: string;
  object: string;
  reason: string;
}

export interface VerifyOptions {
  config?: string;
  context?: string;
  /** Seconds each check may wait (for rollouts, first scrapes, the trace to land). */
  timeout?: string;
}

/** A bundle object with the fields verify reads; each check narrows `spec` to what it needs. */
type Obj = KubeObject & { spec?: unknown; data?: Record<string, string> };

interface Condition {
  type: string;
  status: string;
  message?: string;
}
interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: object };
}
interface LiveWorkload {
  spec?: { replicas?: number };
  status?: { availableReplicas?: number; readyReplicas?: number; updatedReplicas?: number; conditions?: Condition[] };
}
interface PodState {
  status?: { phase?: string; conditions?: Condition[]; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
}
interface Route {
  receiver?: string;
  routes?: Route[];
}

/** kubectl against the chosen context. */
class Kube {
  readonly bin: string;
  readonly context: string | undefined;
  constructor(bin: string, context: string | undefined) {
    this.bin = bin;
    this.context = context;
  }

  args(args: string[]): string[] {
    return [...(this.context ? [`--context=${this.context}`] : []), ...args];
  }

  json<T>(args: string[]): T | undefined {
    const r = spawnSync(this.bin, this.args([...args, '-o', 'json']), { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000 });
    if (r.status !== 0) {
      if (/NotFound|not found/.test(r.stderr ?? '')) return undefined;
      throw new Error(`kubectl ${args.join(' ')}: ${(r.stderr || String(r.error)).trim().split('\n')[0]}`);
    }
    return JSON.parse(r.stdout) as T;
  }
}

/** A `kubectl port-forward` to a Service or pod on a free loopback port; stopped by the caller. */
class Forwards {
  private readonly children: ChildProcess[] = [];
  private readonly kube: Kube;
  constructor(kube: Kube) {
    this.kube = kube;
  }

  async open(namespace: string, target: string, port: number, timeoutMs: number): Promise<string> {
    const child = spawn(this.kube.bin, this.kube.args(['port-forward', '-n', namespace, '--address=127.0.0.1', target, `:${port}`]), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) return `http://127.0.0.1:${m[1]}`;
      if (child.exitCode !== null)
        throw new Error(`port-forward to ${namespace}/${target}:${port} failed: ${out.trim().split('\n').pop()}`);
      if (Date.now() > deadline) throw new Error(`port-forward to ${namespace}/${target}:${port} did not start`);
      await sleep(100);
    }
  }

  stop(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    this.children.length = 0;
  }
}

/** Service name, namespace and port of an in-cluster URL or host:port (svc.cluster.local form). */
export function serviceOf(address: string): { name: string; namespace: string; port: number } {
  const m = /^(?:([a-z]+):\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.[a-z0-9.-]+)?)?(?::(\d+))?(?:\/.*)?$/.exec(address);
  if (!m) throw new Error(`${address} is not an in-cluster Service address`);
  // Without a port, the scheme's (the plain profile's default prometheus.url, the Prometheus chart's Service, has none).
  return { name: m[2]!, namespace: m[3]!, port: m[4] ? Number(m[4]) : m[1] === 'https' ? 443 : 80 };
}

async function getJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** Polls `attempt` until it returns a result or the time is up; the last answer (or error) is the verdict. */
async function until<T>(timeoutMs: number, attempt: () => Promise<{ done: boolean; value: T }>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { done: boolean; value: T } | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await attempt();
      error = undefined;
      if (last.done) return last.value;
    } catch (e) {
      error = e;
    }
    if (Date.now() > deadline) {
      if (last && error === undefined) return last.value;
      throw error ?? new Error('timed out');
    }
    await sleep(2000);
  }
}

const id = (o: Obj) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const matches = (selector: Record<string, string> = {}, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Why a workload is not available yet: its pods' waiting reasons and restarts. */
function podTrouble(kube: Kube, o: Obj): string {
  const sel = (o.spec as { selector?: LabelSelector } | undefined)?.selector?.matchLabels ?? {};
  const pods = kube.json<{ items: PodState[] }>([
    'get',
    'pods',
    '-n',
    o.metadata.namespace!,
    '-l',
    Object.entries(sel)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  ]);
  const notes = new Set<string>();
  for (const p of pods?.items ?? []) {
    if (p.status?.phase === 'Pending') {
      const cond = (p.status.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
      notes.add(cond ? `unschedulable: ${cond.message}` : 'Pending');
    }
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      if (c.state?.waiting?.reason)
        notes.add(`${c.name}: ${c.state.waiting.reason}${c.state.waiting.message ? ` (${c.state.waiting.message.slice(0, 120)})` : ''}`);
      if (!c.ready && c.state?.running) notes.add(`${c.name}: running, not ready`);
      if (c.restartCount > 0) notes.add(`${c.name}: ${c.restartCount} restarts`);
    }
  }
  return [...notes].join('; ') || 'no pods';
}

async function checkWorkload(kube: Kube, o: Obj, timeoutMs: number): Promise<CheckResult> {
  const object = id(o);
  const plural = o.kind === 'Deployment' ? 'deployment' : 'statefulset';
  try {
    const state = await until(timeoutMs, async () => {
      const live = kube.json<LiveWorkload>(['get', plural, '-n', o.metadata.namespace!, o.metadata.name]);
      if (!live) return { done: false, value: { ok: false, why: 'not found' } };
      const want = live.spec?.replicas ?? 1;
      const ready = o.kind === 'Deployment' ? (live.status?.availableReplicas ?? 0) : (live.status?.readyReplicas ?? 0);
      const updated = live.status?.updatedReplicas ?? 0;
      const available =
        o.kind === 'Deployment'
          ? (live.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True') && ready >= want && updated >= want
          : ready >= want && updated >= want;
      return { done: available, value: { ok: available, why: `${ready}/${want} ${o.kind === 'Deployment' ? 'available' : 'ready'}` } };
    });
    if (state.ok) return { status: 'pass', check: 'workload', object, reason: state.why };
    return {
      status: 'fail',
      check: 'workload',
      object,
      reason: `${state.why}: ${state.why === 'not found' ? 'not applied' : podTrouble(kube, o)}`,
    };
  } catch (e) {
    return { status: 'fail', check: 'workload', object, reason: (e as Error).message };
  }
}

interface Target {
  scrapePool: string;
  health: string;
  lastError: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Whether a Kubernetes label selector selects these labels (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!matches(selector?.matchLabels, labels)) return false;
  return (selector?.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    return e.operator === 'In' ? inValues : !inValues;
  });
}

interface MonitorSpec {
  namespaceSelector?: { any?: boolean; matchNames?: string[] };
  selector?: LabelSelector;
  endpoints?: Array<{ port?: string; targetPort?: number | string }>;
  podMetricsEndpoints?: Array<{ port?: string; portNumber?: number }>;
}

interface LiveMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
}
interface LiveService {
  metadata: LiveMeta;
  spec?: { ports?: Array<{ name?: string; port: number }> };
}
interface LivePod {
  metadata: LiveMeta;
  spec?: { containers?: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { phase?: string; podIP?: string };
}

/** Istio's sidecar ports and the istio-proxy container's declared port name: nothing answers there without a sidecar. */
const SIDECAR_PORTS = new Set<string | number>([
  ISTIO_PORTS.mergedMetrics,
  ISTIO_PORTS.envoyStats,
  ISTIO_PORTS.health,
  ENVOY_PROM_PORT.name,
]);

/**
 * Why Prometheus has no target for a monitor endpoint, from what the cluster runs: SKIP when the
 * component it scrapes is not there at all (no istiod, no sidecar), FAIL when it is there and the
 * monitor misses it (no such port, or a selector or namespace that matches nothing scrapeable).
 */
function noTarget(
  m: Obj,
  port: string | number | undefined,
  live: { services: LiveService[]; pods: LivePod[] },
): { status: Status; reason: string } {
  const spec = m.spec as MonitorSpec;
  const inNs = (o: { metadata: LiveMeta }) =>
    spec.namespaceSelector?.any || (spec.namespaceSelector?.matchNames ?? [m.metadata.namespace!]).includes(o.metadata.namespace);
  const where = spec.namespaceSelector?.any ? 'any namespace' : (spec.namespaceSelector?.matchNames ?? [m.metadata.namespace!]).join(', ');
  const sel = JSON.stringify(spec.selector ?? {});
  if (m.kind === 'ServiceMonitor') {
    const svcs = live.services.filter((s) => inNs(s) && selects(spec.selector, s.metadata.labels));
    if (!svcs.length) return { status: 'skip', reason: `nothing to scrape: no Service in ${where} matches ${sel}` };
    if (!svcs.some((s) => (s.spec?.ports ?? []).some((p) => p.name === port || p.port === port)))
      return { status: 'fail', reason: `${svcs.length} Services match, none has a port ${port}` };
    return {
      status: 'fail',
      reason: 'Services match, but Prometheus discovered no target (no ready endpoints, or the monitor is not selected)',
    };
  }
  const pods = live.pods.filter((p) => p.status?.phase === 'Running' && inNs(p) && selects(spec.selector, p.metadata.labels));
  if (!pods.length) return { status: 'skip', reason: `nothing to scrape: no running pod in ${where} matches ${sel}` };
  const containers = pods.flatMap((p) => p.spec?.containers ?? []);
  if (SIDECAR_PORTS.has(port ?? '') && !containers.some((c) => c.name === 'istio-proxy'))
    return {
      status: 'skip',
      reason: `nothing to scrape: ${pods.length} pods match, none has an Istio sidecar (port ${port} is the sidecar's)`,
    };
  if (!containers.some((c) => (c.ports ?? []).some((p) => p.name === port || p.containerPort === port)))
    return { status: 'fail', reason: `${pods.length} pods match, no container declares port ${port}: Prometheus discovers no target` };
  return {
    status: 'fail',
    reason: 'pods match and declare the port, but Prometheus discovered no target (relabeling, or the monitor is not selected)',
  };
}

/** Monitors: every endpoint of every ServiceMonitor/PodMonitor (or plain scrape job) has a target that is up. */
interface ScrapeJob {
  job_name: string;
  relabel_configs?: Array<{ action?: string; regex?: string }>;
}

async function checkMonitors(kube: Kube, prom: string, objects: Obj[], plainJobs: ScrapeJob[], timeoutMs: number): Promise<CheckResult[]> {
  type Live = { services: LiveService[]; pods: LivePod[] };
  const pools: Array<{ object: string; pool: string; why: (live: Live) => { status: Status; reason: string } }> = [];
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
    const spec = m.spec as MonitorSpec;
    const endpoints = (m.kind === 'ServiceMonitor' ? spec.endpoints : spec.podMetricsEndpoints) ?? [];
    endpoints.forEach((ep, i) => {
      const port = ep.port ?? ('portNumber' in ep ? ep.portNumber : undefined) ?? ('targetPort' in ep ? ep.targetPort : undefined);
      pools.push({
        object: `${id(m)} endpoint ${port}`,
        // prometheus-operator's scrape job names: serviceMonitor/<namespace>/<name>/<endpoint index>.
        pool: `${m.kind === 'ServiceMonitor' ? 'serviceMonitor' : 'podMonitor'}/${m.metadata.namespace}/${m.metadata.name}/${i}`,
        why: (live) => noTarget(m, port, live),
      });
    });
  }
  for (const job of plainJobs) {
    // What a plain job keeps, from its relabeling: the Istio sidecars' or istiod's targets, or others.
    const keeps = (job.relabel_configs ?? []).filter((r) => r.action === 'keep').map((r) => r.regex ?? '');
    const istio = keeps.some((k) => k.includes('istio-proxy')) ? 'sidecar' : keeps.some((k) => /\bistiod\b/.test(k)) ? 'istiod' : undefined;
    pools.push({
      object: `scrape job ${job.job_name}`,
      pool: job.job_name,
      why: (live) => {
        if (istio === 'sidecar' && !live.pods.some((p) => (p.spec?.containers ?? []).some((c) => c.name === 'istio-proxy')))
          return { status: 'skip', reason: 'nothing to scrape: no pod has an Istio sidecar' };
        if (istio === 'istiod' && !live.services.some((sv) => sv.metadata.labels?.app === 'istiod'))
          return { status: 'skip', reason: 'nothing to scrape: no istiod Service' };
        return { status: 'fail', reason: 'no target: the job discovered nothing' };
      },
    });
  }
  // What the cluster runs, read once: an endpoint whose component is absent is not waited for.
  const live = {
    services: kube.json<{ items: LiveService[] }>(['get', 'services', '-A'])?.items ?? [],
    pods: kube.json<{ items: LivePod[] }>(['get', 'pods', '-A'])?.items ?? [],
  };
  const absent = new Set(pools.filter((p) => p.why(live).status === 'skip').map((p) => p.pool));
  let targets: Target[] = [];
  try {
    await until(timeoutMs, async () => {
      targets = (await getJson<{ data: { activeTargets: Target[] } }>(`${prom}/api/v1/targets?state=active`)).data.activeTargets;
      const done = pools.every((p) => absent.has(p.pool) || targets.some((t) => t.scrapePool === p.pool && t.health === 'up'));
      return { done, value: undefined };
    });
  } catch (e) {
    return [{ status: 'fail', check: 'monitor', object: 'Prometheus', reason: (e as Error).message }];
  }
  return pools.map((p): CheckResult => {
    const mine = targets.filter((t) => t.scrapePool === p.pool);
    const up = mine.filter((t) => t.health === 'up');
    if (up.length) return { status: 'pass', check: 'monitor', object: p.object, reason: `${up.length}/${mine.length} targets up` };
    if (mine.length) {
      const err = [...new Set(mine.map((t) => t.lastError || t.health))].join('; ');
      return { status: 'fail', check: 'monitor', object: p.object, reason: `${mine.length} targets, none up: ${err}` };
    }
    return { check: 'monitor', object: p.object, ...p.why(live) };
  });
}

/**
 * Jobs: every job name the bundle's rules and dashboards select on (prometheus.jobs in the config) has
 * a target that is up, so each reader reaches what produces its series. Istio's jobs are skipped where
 * the cluster runs no istiod or no sidecar.
 */
async function checkJobs(kube: Kube, prom: string, config: MeshobsConfig): Promise<CheckResult[]> {
  const live = {
    services: kube.json<{ items: LiveService[] }>(['get', 'services', '-n', config.namespaces.istio])?.items ?? [],
    pods: kube.json<{ items: LivePod[] }>(['get', 'pods', '-A'])?.items ?? [],
  };
  const jobs = config.prometheus.jobs;
  const absent: Record<string, string | undefined> = {
    [jobs.istiod]: live.services.some((s) => s.metadata.labels?.app === 'istiod')
      ? undefined
      : `no istiod Service in ${config.namespaces.istio}`,
    [jobs.envoy]: live.pods.some((p) => (p.spec?.containers ?? []).some((c) => c.name === 'istio-proxy'))
      ? undefined
      : 'no pod has an Istio sidecar',
  };
  const results: CheckResult[] = [];
  for (const job of [...new Set(Object.values(jobs))]) {
    const object = `job ${job}`;
    try {
      const q = encodeURIComponent(`up{job=${JSON.stringify(job)}}`);
      const r = (await getJson<{ data: { result: Array<{ value: [number, string] }> } }>(`${prom}/api/v1/query?query=${q}`)).data.result;
      const up = r.filter((x) => x.value[1] === '1').length;
      if (up)
        results.push({
          status: 'pass',
          check: 'jobs',
          object,
          reason: `${up}/${r.length} targets up: the rules and dashboards that read it have data`,
        });
      else if (absent[job]) results.push({ status: 'skip', check: 'jobs', object, reason: `nothing to scrape: ${absent[job]}` });
      else
        results.push({
          status: 'fail',
          check: 'jobs',
          object,
          reason: r.length
            ? `${r.length} targets, none up`
            : 'Prometheus scrapes nothing under this job name: the rules and dashboards that read it stay empty',
        });
    } catch (e) {
      results.push({ status: 'fail', check: 'jobs', object, reason: (e as Error).message });
    }
  }
  return results;
}

/** Rules: every group of the bundle is loaded and every rule in it evaluates without error. */
async function checkRules(prom: string, groups: Array<{ name: string; rules: unknown[] }>, timeoutMs: number): Promise<CheckResult[]> {
  type Loaded = { name: string; rules: Array<{ name: string; health: string; lastError?: string }> };
  let loaded: Loaded[] = [];
  try {
    await until(timeoutMs, async () => {
      loaded = (await getJson<{ data: { groups: Loaded[] } }>(`${prom}/api/v1/rules`)).data.groups;
      const done = groups.every((g) => {
        const l = loaded.find((x) => x.name === g.name);
        return l?.rules.every((r) => r.health !== 'unknown');
      });
      return { done, value: undefined };
    });
  } catch (e) {
    return [{ status: 'fail', check: 'rules', object: 'Prometheus', reason: (e as Error).message }];
  }
  return groups.map((g) => {
    const l = loaded.find((x) => x.name === g.name);
    const object = `rule group ${g.name}`;
    if (!l)
      return { status: 'fail', check: 'rules', object, reason: 'not loaded by Prometheus (rule selector, release label or rule file)' };
    const bad = l.rules.filter((r) => r.health === 'err');
    if (bad.length) return { status: 'fail', check: 'rules', object, reason: bad.map((r) => `${r.name}: ${r.lastError}`).join('; ') };
    const unknown = l.rules.filter((r) => r.health !== 'ok');
    if (unknown.length) return { status: 'fail', check: 'rules', object, reason: `${unknown.length} rules not evaluated yet` };
    return { status: 'pass', check: 'rules', object, reason: `${l.rules.length} rules evaluated without error` };
  });
}

/** Alertmanager: the one Prometheus sends to is reachable and runs the bundle's receivers and routes. */
async function checkAlertmanager(kube: Kube, fwd: Forwards, prom: string, config: MeshobsConfig, timeoutMs: number): Promise<CheckResult> {
  const check = 'alertmanager';
  try {
    const ams = await until(timeoutMs, async () => {
      const a = (await getJson<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(`${prom}/api/v1/alertmanagers`)).data
        .activeAlertmanagers;
      return { done: a.length > 0, value: a };
    });
    if (!ams.length) return { status: 'fail', check, object: 'Prometheus', reason: 'Prometheus has no active Alertmanager' };
    // The Alertmanager pod behind the first URL Prometheus sends to.
    const url = new URL(ams[0]!.url);
    const pods = kube.json<{ items: LivePod[] }>(['get', 'pods', '-A', '--field-selector=status.phase=Running'])?.items ?? [];
    const pod = pods.find((p) => p.status?.podIP === url.hostname);
    if (!pod) return { status: 'fail', check, object: url.host, reason: 'no running pod has the address Prometheus sends alerts to' };
    const object = `Pod/${pod.metadata.namespace}/${pod.metadata.name}`;
    const base = await fwd.open(pod.metadata.namespace, `pod/${pod.metadata.name}`, Number(url.port || 80), timeoutMs);
    const prefix = url.pathname.replace(/\/api\/v2\/alerts$/, '');
    const status = await getJson<{ config: { original: string } }>(`${base}${prefix}/api/v2/status`);
    const running = parse(status.config.original) as { receivers?: Array<{ name: string }>; route?: Route };
    const names = (running.receivers ?? []).map((r) => r.name);
    const routed = new Set<string>();
    const walk = (r: Route | undefined) => {
      if (!r) return;
      if (r.receiver) routed.add(r.receiver);
      for (const c of r.routes ?? []) walk(c);
    };
    walk(running.route);
    const want = [config.alertmanager.receivers.critical.name, config.alertmanager.receivers.warning.name];
    // prometheus-operator names an AlertmanagerConfig's receivers <namespace>/<config name>/<receiver>.
    const find = (n: string, among: Iterable<string>) => [...among].find((x) => x === n || x.endsWith(`/${n}`));
    const missing = want.filter((n) => !find(n, names));
    const unrouted = want.filter((n) => !find(n, routed));
    if (missing.length)
      return { status: 'fail', check, object, reason: `receivers missing from the running config: ${missing.join(', ')}` };
    if (unrouted.length) return { status: 'fail', check, object, reason: `no route leads to: ${unrouted.join(', ')}` };
    return { status: 'pass', check, object, reason: `reachable; routes to ${want.join(', ')}` };
  } catch (e) {
    return { status: 'fail', check, object: 'Alertmanager', reason: (e as Error).message };
  }
}

/** The custom span tags the collector adds (REQUIREMENTS: environment, cluster name, pod, namespace, request id, user agent). */
export const TRACE_TAGS = ['environment', 'cluster_name', 'pod_name', 'namespace', 'request_id', 'user_agent'] as const;

/** A test trace through the collector's OTLP/HTTP receiver, found in Jaeger with every custom tag. */
async function checkTrace(fwd: Forwards, config: MeshobsConfig, timeoutMs: number): Promise<CheckResult> {
  const e = endpointsOf(config);
  const collector = { name: e.collector.service, namespace: config.namespaces.observability, port: e.collector.otlpHttpPort };
  const query = serviceOf(e.jaeger.queryHttpUrl);
  const object = `trace via Service/${collector.namespace}/${collector.name} to Service/${query.namespace}/${query.name}`;
  try {
    const otlp = await fwd.open(collector.namespace, `svc/${collector.name}`, collector.port, timeoutMs);
    const jaeger = await fwd.open(query.namespace, `svc/${query.name}`, query.port, timeoutMs);
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const body = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              str('service.name', 'meshobs-verify'),
              str('k8s.namespace.name', collector.namespace),
              str('k8s.pod.name', 'meshobs-verify'),
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'meshobs-verify' },
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString('hex'),
                  name: 'GET /meshobs-verify',
                  kind: 2,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                  attributes: [
                    str('http.request.method', 'GET'),
                    str('url.path', '/meshobs-verify'),
                    str('user_agent.original', 'meshobs-verify'),
                    str('guid:x-request-id', traceId),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok)
      return {
        status: 'fail',
        check: 'trace',
        object,
        reason: `the collector refused the span: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`,
      };
    const span = await until(timeoutMs, async () => {
      const r = await fetch(`${jaeger}/api/traces/${traceId}`, { signal: AbortSignal.timeout(15_000) });
      if (r.status === 404) return { done: false, value: undefined };
      const t = (await r.json()) as { data?: Array<{ spans: Array<{ tags: Array<{ key: string; value: unknown }> }> }> };
      const s = t.data?.[0]?.spans?.[0];
      return { done: !!s, value: s };
    });
    if (!span)
      return { status: 'fail', check: 'trace', object, reason: `trace ${traceId} not found in Jaeger after ${timeoutMs / 1000} s` };
    const tags = new Map(span.tags.map((t) => [t.key, t.value]));
    const missing = TRACE_TAGS.filter((t) => !tags.has(t));
    if (missing.length) return { status: 'fail', check: 'trace', object, reason: `trace ${traceId} lacks tags: ${missing.join(', ')}` };
    return { status: 'pass', check: 'trace', object, reason: `trace ${traceId} found with ${TRACE_TAGS.join(', ')}` };
  } catch (err) {
    return { status: 'fail', check: 'trace', object, reason: (err as Error).message };
  }
}

/** Dashboards where the profile puts them: the Grafana sidecar's ConfigMaps, or GrafanaDashboard resources. */
function checkDashboards(kube: Kube, objects: Obj[]): CheckResult[] {
  const boards = objects.filter((o) => (o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard) || o.kind === 'GrafanaDashboard');
  if (!boards.length)
    return [
      {
        status: 'skip',
        check: 'dashboards',
        object: 'bundle',
        reason: 'the profile ships dashboards as JSON files only (dashboards/*.json)',
      },
    ];
  return boards.map((b) => {
    const live = kube.json<Obj>([
      'get',
      b.kind === 'ConfigMap' ? 'configmap' : 'grafanadashboards.grafana.integreatly.org',
      '-n',
      b.metadata.namespace!,
      b.metadata.name,
    ]);
    if (!live) return { status: 'fail', check: 'dashboards', object: id(b), reason: 'not found in the cluster' };
    if (b.kind === 'ConfigMap') {
      const keys = Object.keys(b.data ?? {}).filter((k) => !(k in (live.data ?? {})));
      if (keys.length) return { status: 'fail', check: 'dashboards', object: id(b), reason: `missing ${keys.join(', ')}` };
      const label = Object.entries(b.metadata.labels ?? {}).filter(([k, v]) => live.metadata.labels?.[k] !== v);
      if (label.length)
        return {
          status: 'fail',
          check: 'dashboards',
          object: id(b),
          reason: `label ${label[0]![0]} differs: the Grafana sidecar will not load it`,
        };
    }
    return { status: 'pass', check: 'dashboards', object: id(b), reason: 'present' };
  });
}

/** Rule groups of the bundle: the PrometheusRule resources, or the plain rules.yml. */
function ruleGroups(objects: Obj[], files: Map<string, string>): Array<{ name: string; rules: unknown[] }> {
  const crs = objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) => (o.spec as { groups: Array<{ name: string; rules: unknown[] }> }).groups);
  if (crs.length) return crs;
  const plain = files.get('alerts/rules.yml');
  return plain ? ((parse(plain) as { groups: Array<{ name: string; rules: unknown[] }> }).groups ?? []) : [];
}

export async function verifyCommand(io: Io, opts: VerifyOptions): Promise<number> {
  const timeoutS = opts.timeout === undefined ? 180 : Number(opts.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, got ${opts.timeout}`);
  const timeoutMs = timeoutS * 1000;
  const kubectl = findTool('kubectl');
  if (!kubectl) throw new UsageError('verify needs kubectl on PATH (it uses your kubeconfig and its current context)');
  const configPath = findConfig(io.cwd, opts.config);
  const { config, components, files } = await buildInMemory(configPath);
  const objects = components.flatMap((c) => c.objects).filter((o) => !overlayOf(o)) as Obj[];
  const kube = new Kube(kubectl, opts.context);
  const fwd = new Forwards(kube);
  const results: CheckResult[] = [];
  const print = (r: CheckResult) => {
    results.push(r);
    io.out(`${r.status.toUpperCase().padEnd(5)} ${r.check.padEnd(12)} ${r.object}: ${r.reason}`);
  };
  const context = opts.context ?? spawnSync(kubectl, ['config', 'current-context'], { encoding: 'utf8' }).stdout.trim();
  io.out(`meshobs verify: ${relative(io.cwd, configPath)} against context ${context || '(none)'}`);
  return withSignalCleanup(
    () => fwd.stop(),
    async () => {
      try {
        // Workloads, each with its own wait: they roll out in parallel.
        const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
        for (const r of await Promise.all(workloads.map((o) => checkWorkload(kube, o, timeoutMs)))) print(r);
        let prom: string | undefined;
        let promObject = `prometheus.url ${config.prometheus.url}`;
        try {
          const promSvc = serviceOf(config.prometheus.url);
          promObject = `Service/${promSvc.namespace}/${promSvc.name}`;
          prom = await fwd.open(promSvc.namespace, `svc/${promSvc.name}`, promSvc.port, timeoutMs);
        } catch (e) {
          print({
            status: 'fail',
            check: 'monitor',
            object: promObject,
            reason: `Prometheus (prometheus.url) unreachable: ${(e as Error).message}`,
          });
        }
        if (prom) {
          const plainJobs =
            config.profile.prometheus === 'plain'
              ? ((parse(files.get('alerts/scrape-configs.yml') ?? '') as { scrape_configs?: ScrapeJob[] } | null)?.scrape_configs ?? [])
              : [];
          for (const r of await checkMonitors(kube, prom, objects, plainJobs, timeoutMs)) print(r);
          for (const r of await checkJobs(kube, prom, config)) print(r);
          for (const r of await checkRules(prom, ruleGroups(objects, files), timeoutMs)) print(r);
          print(await checkAlertmanager(kube, fwd, prom, config, timeoutMs));
        }
        print(await checkTrace(fwd, config, timeoutMs));
        for (const r of checkDashboards(kube, objects)) print(r);
      } finally {
        fwd.stop();
      }
      const failed = results.filter((r) => r.status === 'fail').length;
      const skipped = results.filter((r) => r.status === 'skip').length;
      io.out(`meshobs verify: ${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
      return failed ? 1 : 0;
    },
  );
}
