// Default deny for what the bundle owns: in each namespace it creates (model.namespaces.owned: the demo's;
// the trace pipeline's holds the user's search-engine Secrets, often the search engine, so it is not the
// bundle's, and its workloads are each held by their own ALLOW policies), an AuthorizationPolicy with an empty spec. Istio reads it as an ALLOW policy
// without rules, which matches nothing, so every sidecar workload of that namespace refuses what no other
// ALLOW policy admits (istio.io/api security/v1beta1/authorization_policy.proto, "deny all" example;
// pilot/pkg/security/authz/builder/builder.go: an ALLOW policy without rules becomes an RBAC policy that
// never matches). Each workload's explicit allows (policies.ts here, the demo's security.ts) keep every
// declared flow open; the flow contract (packages/cli/test/cluster/istio-authz-flows.cluster.test.ts)
// proves it. Never in a namespace the user owns.
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';

const labels = standardLabels({ name: 'istio-default-deny', component: 'security' });
export const DENY_ALL = 'deny-all';

export function defaultDeny(model: MeshModel): KubeObject[] {
  return model.namespaces.owned.map((ns) =>
    withComment(
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: DENY_ALL, namespace: ns.name, labels },
        spec: {},
      },
      `Deny by default in ${ns.name}, a namespace meshobs owns: only the flows an explicit ALLOW policy names pass.`,
    ),
  );
}
