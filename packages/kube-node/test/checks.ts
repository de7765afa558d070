// What the node tier reads from the running cluster. Each function returns the problems it finds
// (empty when all is well), so a test asserts `[]` and its mutation asserts the named problem.
import { readFileSync } from 'node:fs';
import { ISTIO_PORTS } from '@meshobs/kube';
import { ENVOY_PROM_PORT } from '@meshobs/model';
import type { KubeNode } from '../src/index.ts';
import { getJson } from './kit.ts';

export type Obj = {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
};

const workloads = (objects: Obj[]) => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

const selectorArg = (sel: Record<string, string>) =>
  Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The running pods of a workload (by its selector). */
export function podsOf(node: KubeNode, o: Obj): any[] {
  const out = node.kubectl(['-n', o.metadata.namespace!, 'get', 'pods', '-l', selectorArg(o.spec.selector.matchLabels), '-o', 'json']);
  return JSON.parse(out).items;
}

/** Every pod of every workload Running, every container ready (its probes pass), none restarted. */
export function workloadProblems(node: KubeNode, objects: Obj[]): string[] {
  const problems: string[] = [];
  for (const o of workloads(objects)) {
    const pods = podsOf(node, o);
    const want = o.spec.replicas ?? 1;
    if (pods.length < want) problems.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${pods.length}/${want} pods`);
    for (const p of pods) {
      if (p.status.phase !== 'Running') problems.push(`pod ${p.metadata.namespace}/${p.metadata.name}: ${p.status.phase}`);
      for (const c of p.status.containerStatuses ?? []) {
        if (!c.ready) problems.push(`pod ${p.metadata.name} container ${c.name}: not ready`);
        if (c.restartCount > 0) {
          // What the previous run said last: the reason of the restart.
          const last = node
            .kubectlResult(['-n', p.metadata.namespace, 'logs', p.metadata.name, '-c', c.name, '--previous', '--tail=20'])
            .stdout.trim()
            .split('\n')
            .filter((l) => /error|fatal|fail|refused/i.test(l))
            .pop();
          problems.push(`pod ${p.metadata.name} container ${c.name}: ${c.restartCount} restarts${last ? ` (${last.slice(0, 300)})` : ''}`);
        }
      }
    }
  }
  return problems;
}

/** containerd task id -> pid of its process, as the node's containerd reports it. */
function taskPids(node: KubeNode): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of node.ctr(['tasks', 'ls']).split('\n').slice(1)) {
    const [id, pid] = line.trim().split(/\s+/);
    if (id && pid) pids.set(id, Number(pid));
  }
  return pids;
}

const QUANTITY: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
const bytes = (q: string) => {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  return m ? Number(m[1]) * (m[2] ? QUANTITY[m[2]]! : 1) : Number.NaN;
};
const millicores = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);

/**
 * What the kernel enforces on each container process, against its pod spec: the user (runAsUser), no
 * effective capabilities (drop ALL), no_new_privs (allowPrivilegeEscalation false), seccomp filter mode
 * (RuntimeDefault), a read-only root mount, and the memory and CPU limits in its cgroups.
 */
export function runtimeProblems(node: KubeNode, objects: Obj[]): { problems: string[]; checked: number } {
  const pids = taskPids(node);
  const problems: string[] = [];
  let checked = 0;
  for (const o of workloads(objects)) {
    const template = o.spec.template.spec;
    for (const p of podsOf(node, o)) {
      for (const cs of p.status.containerStatuses ?? []) {
        const c = template.containers.find((x: any) => x.name === cs.name);
        const id = String(cs.containerID ?? '').replace(/^containerd:\/\//, '');
        const pid = pids.get(id);
        const where = `${p.metadata.namespace}/${p.metadata.name}/${cs.name}`;
        if (!pid) {
          problems.push(`${where}: no running task`);
          continue;
        }
        checked++;
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
        const sc = { ...template.securityContext, ...c.securityContext };
        if (sc.runAsUser !== undefined && field('Uid').split(/\s+/)[0] !== String(sc.runAsUser))
          problems.push(`${where}: uid ${field('Uid')} (runAsUser ${sc.runAsUser})`);
        if (sc.capabilities?.drop?.includes('ALL') && !/^0+$/.test(field('CapEff'))) problems.push(`${where}: CapEff ${field('CapEff')}`);
        if (sc.allowPrivilegeEscalation === false && field('NoNewPrivs') !== '1')
          problems.push(`${where}: NoNewPrivs ${field('NoNewPrivs')}`);
        if (sc.seccompProfile?.type === 'RuntimeDefault' && field('Seccomp') !== '2')
          problems.push(`${where}: Seccomp ${field('Seccomp')}`);
        if (sc.readOnlyRootFilesystem) {
          const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
            .split('\n')
            .find((l) => l.split(' ')[4] === '/');
          if (!root?.split(' ')[5]?.split(',').includes('ro')) problems.push(`${where}: root file system not read-only (${root})`);
        }
        const cgroups = Object.fromEntries(
          readFileSync(`/proc/${pid}/cgroup`, 'utf8')
            .trim()
            .split('\n')
            .map((l) => l.split(':'))
            .map(([, ctrl, path]) => [ctrl!, path!]),
        );
        const limits = c.resources?.limits ?? {};
        if (limits.memory) {
          const got = Number(readFileSync(`/sys/fs/cgroup/memory${cgroups.memory}/memory.limit_in_bytes`, 'utf8'));
          if (got !== bytes(limits.memory)) problems.push(`${where}: memory limit ${got} (limits.memory ${limits.memory})`);
        }
        if (limits.cpu) {
          const dir = `/sys/fs/cgroup/cpu${cgroups['cpu,cpuacct'] ?? cgroups.cpu}`;
          const quota = Number(readFileSync(`${dir}/cpu.cfs_quota_us`, 'utf8'));
          const period = Number(readFileSync(`${dir}/cpu.cfs_period_us`, 'utf8'));
          if (Math.round((quota / period) * 1000) !== millicores(limits.cpu))
            problems.push(`${where}: CPU quota ${quota}/${period} (limits.cpu ${limits.cpu})`);
        }
      }
    }
  }
  return { problems, checked };
}

/** Istio's sidecar ports: nothing listens there on a node without sidecars. */
const SIDECAR_PORTS = new Set<string | number>([
  ISTIO_PORTS.mergedMetrics,
  ISTIO_PORTS.health,
  ISTIO_PORTS.envoyStats,
  ENVOY_PROM_PORT.name,
]);

export interface MonitorVerdicts {
  /** Endpoint pools with a target up. */
  up: string[];
  /** Endpoint pools that scrape what the node cannot run (istiod, Istio sidecars), with the reason. */
  istio: string[];
  problems: string[];
}

/**
 * Every endpoint of every ServiceMonitor and PodMonitor has a target with health "up" (up == 1) in
 * Prometheus' active targets (prometheus-operator's job names serviceMonitor|podMonitor/<ns>/<name>/<i>).
 * The endpoints that scrape istiod or Istio sidecars are set apart: the node runs neither.
 */
export async function monitorVerdicts(prom: string, objects: Obj[]): Promise<MonitorVerdicts> {
  const targets = (
    await getJson<{ data: { activeTargets: Array<{ scrapePool: string; health: string; lastError: string }> } }>(
      `${prom}/api/v1/targets?state=active`,
    )
  ).data.activeTargets;
  const out: MonitorVerdicts = { up: [], istio: [], problems: [] };
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')) {
    const endpoints: any[] = m.kind === 'ServiceMonitor' ? m.spec.endpoints : m.spec.podMetricsEndpoints;
    for (const [i, ep] of endpoints.entries()) {
      const pool = `${m.kind === 'ServiceMonitor' ? 'serviceMonitor' : 'podMonitor'}/${m.metadata.namespace}/${m.metadata.name}/${i}`;
      const port = ep.port ?? ep.portNumber;
      const mine = targets.filter((t) => t.scrapePool === pool);
      const istiod = m.kind === 'ServiceMonitor' && m.spec.selector?.matchLabels?.app === 'istiod';
      if (mine.some((t) => t.health === 'up')) out.up.push(pool);
      else if (istiod || SIDECAR_PORTS.has(port)) out.istio.push(`${pool} (${istiod ? 'istiod' : `sidecar port ${port}`})`);
      else
        out.problems.push(`${pool} port ${port}: ${mine.length ? mine.map((t) => `${t.health} ${t.lastError}`).join('; ') : 'no target'}`);
    }
  }
  return out;
}

/**
 * A PodMonitor endpoint that scrapes pilot-agent's merged metrics: for each of the named pods, a target
 * in the pool that is up and scraped on the merged-metrics port (ISTIO_PORTS.mergedMetrics), whatever
 * port the monitor selects the target by.
 */
export async function mergedMetricsProblems(prom: string, pool: string, pods: string[]): Promise<string[]> {
  const targets = (
    await getJson<{
      data: {
        activeTargets: Array<{ scrapePool: string; scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }>;
      };
    }>(`${prom}/api/v1/targets?state=active`)
  ).data.activeTargets.filter((t) => t.scrapePool === pool);
  return pods.flatMap((pod) => {
    const t = targets.find((x) => x.labels.pod === pod);
    if (!t) return [`${pool} pod ${pod}: no target`];
    if (new URL(t.scrapeUrl).port !== String(ISTIO_PORTS.mergedMetrics)) return [`${pool} pod ${pod}: scraped at ${t.scrapeUrl}`];
    if (t.health !== 'up') return [`${pool} pod ${pod}: ${t.health} ${t.lastError}`];
    return [];
  });
}

/** Every rule group of the bundle loaded, every rule evaluated without error. */
export async function ruleProblems(
  prom: string,
  groups: Array<{ name: string; rules: unknown[] }>,
): Promise<{ problems: string[]; pending: number }> {
  const loaded = (
    await getJson<{ data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> } }>(
      `${prom}/api/v1/rules`,
    )
  ).data.groups;
  const problems: string[] = [];
  let pending = 0;
  for (const g of groups) {
    const l = loaded.find((x) => x.name === g.name);
    if (!l) {
      problems.push(`group ${g.name}: not loaded`);
      continue;
    }
    if (l.rules.length !== g.rules.length) problems.push(`group ${g.name}: ${l.rules.length} rules loaded of ${g.rules.length}`);
    for (const r of l.rules) {
      if (r.health === 'err') problems.push(`group ${g.name} rule ${r.name}: ${r.lastError}`);
      if (r.health === 'unknown') pending++;
    }
  }
  return { problems, pending };
}
