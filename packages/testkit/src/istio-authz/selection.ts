// Which AuthorizationPolicies apply to a sidecar workload (the "AuthorizationPolicy selection"
// point of istio-authz.ts, with its sources).
import { refuseDryRunCustom } from './custom.ts';
import { type AuthorizationPolicy, type MeshPolicies, subsetOf, type Workload } from './model.ts';

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The authorization policies that apply to a workload, enforced ones only, by action. */
export function policiesFor(mesh: MeshPolicies, w: Workload): Record<'CUSTOM' | 'DENY' | 'ALLOW' | 'AUDIT', AuthorizationPolicy[]> {
  if (w.labels[GATEWAY_NAME_LABEL] !== undefined)
    throw new Error(`not modelled: ${GATEWAY_NAME_LABEL} workloads (Gateway API gateways use targetRefs policies)`);
  const out = {
    CUSTOM: [] as AuthorizationPolicy[],
    DENY: [] as AuthorizationPolicy[],
    ALLOW: [] as AuthorizationPolicy[],
    AUDIT: [] as AuthorizationPolicy[],
  };
  for (const p of mesh.authorizationPolicies) {
    const ns = p.metadata.namespace;
    if (ns !== mesh.rootNamespace && ns !== w.namespace) continue;
    if (p.spec?.targetRef || (p.spec?.targetRefs?.length ?? 0) > 0) continue; // targetRef policies never attach to a sidecar
    if (!subsetOf(p.spec?.selector?.matchLabels, w.labels)) continue;
    const action = p.spec?.action ?? 'ALLOW';
    if (isDryRun(p)) {
      if (action === 'CUSTOM') refuseDryRunCustom(p);
      continue;
    }
    if (!(action in out)) continue; // unsupported actions are ignored by istiod (logged)
    out[action].push(p);
  }
  return out;
}

// strconv.ParseBool: anything else is an error, logged, and the policy enforced.
function isDryRun(p: AuthorizationPolicy): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(p.metadata.annotations?.['istio.io/dry-run'] ?? '');
}
