// The default bundle (the repository's config, demo on) as pods on a real single-node Kubernetes with
// kube-prometheus-stack's monitoring stack: applied with `kubectl apply --server-side -k`, every
// workload Available under the real runtime.
import { missingTools } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProfile, startTier, type Tier } from './kit.ts';

const NODE_TOOLS = [
  'kubelet',
  'kube-apiserver',
  'containerd',
  'runc',
  'kube-router',
  'coredns',
  'prometheus3',
  'opensearch-single-node',
  'kubectl',
];
const skip = missingTools(...NODE_TOOLS) || process.getuid?.() !== 0;

describe.skipIf(skip)('the default bundle on a real node', () => {
  let tier: Tier;

  beforeAll(async () => {
    const profile = await buildProfile('default', {});
    tier = await startTier(profile);
    tier.node.kubectl(['apply', '--server-side', '-k', profile.bundleDir]);
  });

  afterAll(async () => {
    await tier?.node.stop();
  });

  it('every Deployment and StatefulSet becomes Available', async () => {
    const { node, cluster } = tier;
    for (const o of cluster.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet'))
      node.kubectl(['-n', o.metadata.namespace!, 'rollout', 'status', `${o.kind.toLowerCase()}/${o.metadata.name}`, '--timeout=300s']);
    expect(true).toBe(true);
  });
});
