// The flow contract, NetworkPolicy half: flows derived from the rendered default bundle (flows.ts:
// its workloads, Services, monitors, Gateways and environment URLs), each evaluated by a real NetworkPolicy engine, cyclonus
// (`analyze --mode query-traffic`), against every NetworkPolicy of the bundle. Required flows must
// be allowed, the declared forbidden ones denied (egress of the source and ingress of the
// destination both count). Not modelled here: Istio AuthorizationPolicies and mTLS (the Istio half,
// istio-authz-flows.cluster.test.ts), kubelet probes (from the node, which NetworkPolicies do not
// filter), and traffic to the Kubernetes API (not a pod).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { buildBundle } from './cluster-kit.ts';
import { type Flow, forbiddenFlows, type Obj, requiredFlows } from './flows.ts';

const skip = missingTools('cyclonus', 'kubectl');
// With the opt-in policy for the search engine (elasticsearch.networkPolicy), so the contract's flows to it
// are judged too; without it the bundle polices no database it does not run.
const OVERRIDES = { elasticsearch: { networkPolicy: true } };
const config = parseConfig({ ...repoConfig, ...OVERRIDES });

const cyclonusPeer = (p: { namespace: string; labels: Record<string, string> }) => ({
  Internal: { Namespace: p.namespace, NamespaceLabels: { 'kubernetes.io/metadata.name': p.namespace }, PodLabels: p.labels },
});

describe.skipIf(skip)('NetworkPolicy flow contract (cyclonus)', () => {
  let objects: Obj[];
  let policyDir: string;

  beforeAll(async () => {
    const bundle = await buildBundle('flows', OVERRIDES);
    const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
    objects = parseAllDocuments(rendered).map((d) => d.toJS());
    policyDir = tempDir('netpol');
    // cyclonus reads one policy or one NetworkPolicyList per file, not '---' separated documents.
    const items = objects.filter((o) => o.kind === 'NetworkPolicy');
    writeFileSync(join(policyDir, 'policies.yaml'), stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items }));
  });

  const verdicts = (flows: Flow[]): boolean[] => {
    const file = join(tempDir('traffic'), 'traffic.json');
    writeFileSync(
      file,
      JSON.stringify(
        flows.map((f) => ({
          Source: cyclonusPeer(f.from),
          Destination: cyclonusPeer(f.to),
          ResolvedPort: f.port,
          ResolvedPortName: '',
          Protocol: f.protocol ?? 'TCP',
        })),
      ),
    );
    const out = execFileSync(
      requireTool('cyclonus'),
      ['analyze', '--mode=query-traffic', `--policy-path=${policyDir}`, `--traffic-path=${file}`],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    const answers = [...out.matchAll(/\| IS ALLOWED\? \|\s+(TRUE|FALSE)\s+\|/g)].map((m) => m[1] === 'TRUE');
    expect(answers).toHaveLength(flows.length);
    return answers;
  };

  it('allows every flow the bundle needs', () => {
    const flows = requiredFlows(config, objects);
    expect(flows.length).toBeGreaterThan(30);
    const allowed = verdicts(flows);
    expect(flows.filter((_, i) => !allowed[i]).map((f) => `${f.why} (${f.to.namespace}:${f.port})`)).toEqual([]);
  });

  it('denies the declared forbidden flows', () => {
    const flows = forbiddenFlows(config, objects);
    const allowed = verdicts(flows);
    expect(flows.filter((_, i) => allowed[i]).map((f) => f.why)).toEqual([]);
  });
});
