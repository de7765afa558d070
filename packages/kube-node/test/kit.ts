// Shared steps of the node tier: build a profile's bundle, start the node and the target cluster on
// it, apply the bundle, and read what the running cluster says.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@meshobs/cli';
import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { inCI, missingTools, tempDir, waitUntil } from '@meshobs/testkit';
import { stringify } from 'yaml';
import repoConfig from '../../../meshobs.config.ts';
import { type KubeNode, prepareCluster, startNode, type TargetCluster } from '../src/index.ts';

/**
 * The node tier's changes to the repository's config, none of which changes what is checked:
 * - CPU requests sized for a 2-core node (a node admits a pod only while the requests of its pods fit
 *   its CPUs; the default bundle asks for 2.95 CPUs); limits, memory and replicas stay as they are;
 * - alerts fire within a minute of the fault instead of after five (window, for, group wait), and
 *   Prometheus scrapes and evaluates every 5 s (a monitor, rule or fault shows within seconds, not a
 *   minute; every rule window is still at least four scrapes);
 * - the critical receiver is a webhook (the default is PagerDuty, which cannot be reached from the
 *   node; the warning receiver stays Slack, its URL pointing at the node's receiver).
 */
export const NODE_OVERRIDES = {
  jaeger: { collector: { resources: { requests: { cpu: '100m' } } }, query: { resources: { requests: { cpu: '50m' } } } },
  tracing: { collector: { resources: { requests: { cpu: '100m' } } } },
  alerts: { window: '1m', high5xxErrorRate: { for: '0s' } },
  alertmanager: { groupWait: '0s', receivers: { critical: { type: 'webhook' } } },
  prometheus: { scrapeInterval: '5s', evaluationInterval: '5s' },
};

/**
 * Whether a node-tier file should be skipped: locally when a tool is missing or the user is not root
 * (namespaces, cgroups and mounts need it), with a note; in CI never (a missing tool or root fails).
 */
export function skipNodeTier(...tools: string[]): boolean {
  if (missingTools(...tools)) return true;
  if (process.getuid?.() !== 0 && !inCI) {
    console.warn('skipping: the node tier needs root (network and mount namespaces, cgroups)');
    return true;
  }
  return false;
}

const merge = (a: any, b: any): any => {
  if (typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b) || !a || !b) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
};

export interface Profile {
  name: string;
  raw: Record<string, unknown>;
  config: MeshobsConfig;
  configFile: string;
  bundleDir: string;
}

/** Writes the repo config with `overrides` deep-merged and builds its bundle with the CLI. */
export async function buildProfile(name: string, overrides: Record<string, unknown>): Promise<Profile> {
  const dir = tempDir(`node-${name}`);
  const raw = merge(merge(repoConfig, NODE_OVERRIDES), overrides);
  const configFile = join(dir, 'meshobs.config.yaml');
  writeFileSync(configFile, stringify(raw));
  const bundleDir = join(dir, 'bundle');
  const lines: string[] = [];
  const code = await main(['build', '--config', configFile, '--out', bundleDir], {
    cwd: dir,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  if (code !== 0) throw new Error(`meshobs build failed for ${name}:\n${lines.join('\n')}`);
  return { name, raw, config: parseConfig(raw), configFile, bundleDir };
}

export interface Tier {
  node: KubeNode;
  cluster: TargetCluster;
  profile: Profile;
}

/** Starts a node, prepares the target cluster for a profile. The caller stops the node. */
export async function startTier(profile: Profile, opts: { backdatedIndices?: Map<string, number> } = {}): Promise<Tier> {
  const node = await startNode();
  try {
    const cluster = await prepareCluster(node, {
      config: profile.config,
      bundleDir: profile.bundleDir,
      backdatedIndices: opts.backdatedIndices,
    });
    return { node, cluster, profile };
  } catch (e) {
    await node.stop();
    throw e;
  }
}

/**
 * What the README tells a user to run: the label script (it creates the trace pipeline's namespace when
 * missing and sets the injection labels on the namespaces the bundle does not own; kubectl's extra
 * arguments point it at the node), then `kubectl apply --server-side -k` on the bundle.
 */
export function applyBundle(node: KubeNode, bundleDir: string): void {
  execFileSync('sh', [join(bundleDir, 'namespaces', 'label-existing-namespaces.sh'), `--kubeconfig=${node.kubeconfig}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node.kubectl(['apply', '--server-side', '-k', bundleDir]);
}

/** Runs the CLI in-process with KUBECONFIG pointing at the node; returns exit code and output lines. */
export async function meshobs(node: KubeNode, args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const before = process.env.KUBECONFIG;
  process.env.KUBECONFIG = node.kubeconfig;
  try {
    const code = await main(args, { cwd: process.cwd(), out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, lines };
  } finally {
    if (before === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = before;
  }
}

/**
 * A `kubectl port-forward` on a free loopback port; stop() ends it. Its output goes to a file, not a
 * pipe: it logs every connection, and the test process blocks in synchronous kubectl calls.
 */
export async function portForward(
  node: KubeNode,
  namespace: string,
  target: string,
  port: number,
): Promise<{ url: string; stop: () => void }> {
  const log = join(tempDir('port-forward'), 'out.log');
  const fd = openSync(log, 'a');
  const child = spawn(
    'kubectl',
    [`--kubeconfig=${node.kubeconfig}`, 'port-forward', '-n', namespace, '--address=127.0.0.1', target, `:${port}`],
    {
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  let url = '';
  try {
    await waitUntil(
      () => {
        const out = readFileSync(log, 'utf8');
        if (child.exitCode !== null) throw new Error(`port-forward ${namespace}/${target}:${port} exited: ${out}`);
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) url = `http://127.0.0.1:${m[1]}`;
        return !!m;
      },
      60_000,
      `port-forward to ${namespace}/${target}:${port}`,
      100,
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { url, stop: () => child.kill('SIGKILL') };
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
