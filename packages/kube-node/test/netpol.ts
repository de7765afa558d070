// The flow contract of the cluster tier (packages/cli/test/cluster/flows.ts: every connection the bundle
// needs, and the ones it must refuse), tried for real on the node: one probe pod per peer, in the
// peer's namespace with the peer's labels (so every NetworkPolicy selects it exactly as it selects the
// peer), listening on the ports it is a destination for; each source probe connects to each of its
// destinations by pod address and reports what the kernel answered. kube-router enforces the policies
// with iptables REJECT, so a refused flow is `refused` (ECONNREFUSED from the ICMP error), an allowed
// one `connected`. Name resolution goes to the real CoreDNS pod (UDP 53).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MeshobsConfig } from '@meshobs/config';
import { IMAGES } from '@meshobs/kube';
import { stringify } from 'yaml';
import { type Flow, forbiddenFlows, type Obj, type Peer, requiredFlows } from '../../cli/test/cluster/flows.ts';
import type { KubeNode } from '../src/index.ts';

const PROBE = readFileSync(fileURLToPath(new URL('../pods/probe.mjs', import.meta.url)), 'utf8');
export const PROBE_LABEL = 'meshobs.test/probe';

export type Verdict = 'connected' | 'refused' | 'timeout' | string;

export interface FlowVerdict {
  flow: Flow;
  required: boolean;
  verdict: Verdict;
}

const peerKey = (p: Peer) => `${p.namespace}|${JSON.stringify(Object.entries(p.labels).sort())}`;
const isDns = (f: Flow) => f.to.labels['k8s-app'] === 'kube-dns' && f.port === 53;

/** The flows of the contract, required and forbidden. */
export function contractFlows(config: MeshobsConfig, objects: Obj[]): Array<{ flow: Flow; required: boolean }> {
  return [
    ...requiredFlows(config, objects).map((flow) => ({ flow, required: true })),
    ...forbiddenFlows(config, objects).map((flow) => ({ flow, required: false })),
  ];
}

/** Starts one probe pod per peer, runs every flow from its source probe, removes the probes. */
export async function tryFlows(node: KubeNode, flows: Array<{ flow: Flow; required: boolean }>): Promise<FlowVerdict[]> {
  const peers = new Map<string, { peer: Peer; ports: Set<number>; name: string }>();
  const add = (p: Peer, port?: number) => {
    const key = peerKey(p);
    let entry = peers.get(key);
    if (!entry) {
      entry = { peer: p, ports: new Set(), name: `np-${peers.size}` };
      peers.set(key, entry);
    }
    if (port !== undefined) entry.ports.add(port);
  };
  for (const { flow } of flows) {
    add(flow.from);
    if (!isDns(flow)) add(flow.to, flow.port);
  }
  const namespaces = [...new Set([...peers.values()].map((p) => p.peer.namespace))];
  for (const ns of namespaces) if (node.kubectlResult(['get', 'namespace', ns]).code !== 0) node.kubectl(['create', 'namespace', ns]);
  // The probe program travels in the command line: no ConfigMap to create, mount and clean up.
  const run = randomBytes(3).toString('hex');
  for (const p of peers.values()) p.name = `${p.name}-${run}`;
  const docs: object[] = [];
  for (const { peer, ports, name } of peers.values())
    docs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: peer.namespace, labels: { ...peer.labels, [PROBE_LABEL]: run } },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'probe',
            image: IMAGES.demoService.ref,
            command: ['node', '--input-type=module', '-e', PROBE, '--', 'serve', ...[...ports].map(String)],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    });
  node.kubectl(['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  try {
    for (const ns of namespaces)
      node.kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '-l', `${PROBE_LABEL}=${run}`, '--timeout=180s']);
    const ipOf = (ns: string, name: string) => node.kubectl(['-n', ns, 'get', 'pod', name, '-o', 'jsonpath={.status.podIP}']).trim();
    const dnsIp = node
      .kubectl(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[0].status.podIP}'])
      .trim();
    const ips = new Map([...peers.values()].map((p) => [p.name, ipOf(p.peer.namespace, p.name)]));
    const verdicts: FlowVerdict[] = [];
    // One exec per source: its flows in one go.
    const bySource = new Map<string, Array<{ flow: Flow; required: boolean }>>();
    for (const f of flows) {
      const src = peers.get(peerKey(f.flow.from))!.name;
      bySource.set(src, [...(bySource.get(src) ?? []), f]);
    }
    for (const [src, list] of bySource) {
      const source = [...peers.values()].find((p) => p.name === src)!;
      const targets = list.map(({ flow }) => ({
        host: isDns(flow) ? dnsIp : ips.get(peers.get(peerKey(flow.to))!.name),
        port: flow.port,
        protocol: flow.protocol ?? 'TCP',
      }));
      const out = node.kubectl([
        '-n',
        source.peer.namespace,
        'exec',
        src,
        '--',
        'node',
        '--input-type=module',
        '-e',
        PROBE,
        '--',
        'check',
        JSON.stringify(targets),
      ]);
      const answers = JSON.parse(out.trim().split('\n').pop()!) as Verdict[];
      for (const [i, f] of list.entries()) verdicts.push({ ...f, verdict: answers[i]! });
    }
    return verdicts;
  } finally {
    for (const ns of namespaces)
      node.kubectlResult(['-n', ns, 'delete', 'pod', '-l', `${PROBE_LABEL}=${run}`, '--wait=true', '--timeout=120s']);
  }
}
