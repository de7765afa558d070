// The CUSTOM action (the "Decision" point of istio-authz.ts) as istiod builds it for a workload
// (istio/istio pilot/pkg/security/authz/builder/builder.go at the pinned commit eed52ebb66ad, build and
// buildHTTP with IsCustomBuilder):
// * The rules of the CUSTOM policies become an RBAC filter in shadow mode that only marks matching
//   requests, and an ext_authz filter that asks the provider for marked requests only
//   (FilterEnabledMetadata): a request no CUSTOM rule matches never reaches the provider.
// * A provider the mesh config does not define, or defines with errors (getExtAuthz: "extension
//   provider is either invalid or undefined", "available providers are ... but found"), turns its rules
//   into an enforced DENY (getBadCustomDenyRules, "-deny-due-to-bad-CUSTOM-action"): fail closed. One
//   such error is a `service` istiod cannot find in its registry (extauthz.go buildExtAuthzHTTP ->
//   pilot/pkg/model/telemetry_logging.go LookupCluster): the evaluator does not know the registry and
//   takes every provider with a service and a port as valid (the istiod cluster test registers one).
// * More than one provider on one workload without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: the
//   rules of every provider become DENY rules.
// * A provider's failure (unreachable, timeout, 5xx): denied unless its failOpen is true
//   (extauthz.go: FailureModeAllow = failOpen; istio.io/api mesh/v1alpha1/config.proto: "Default is false
//   and the request will be rejected with Forbidden").
// * Dry-run CUSTOM policies still reach the provider in this version (builder.go comment "limitation:
//   dry-run CUSTOM policies still call ext_authz"): not modelled, they throw.
import { type AuthorizationPolicy, type AuthzRequest, id, type MeshPolicies } from './model.ts';

export interface CustomOutcome {
  allowed: boolean;
  policy: string;
  reason: string;
}

/** The ext_authz providers the mesh config defines, by name, or undefined when the caller did not say. */
function providers(mesh: MeshPolicies): Map<string, { failOpen: boolean }> | undefined {
  if (!mesh.extensionProviders) return undefined;
  const out = new Map<string, { failOpen: boolean }>();
  for (const p of mesh.extensionProviders) {
    const ext = p.envoyExtAuthzHttp ?? p.envoyExtAuthzGrpc;
    if (ext && p.name && ext.service && ext.port) out.set(p.name, { failOpen: ext.failOpen === true });
  }
  return out;
}

/**
 * The CUSTOM stage for one request: undefined when no CUSTOM rule matches (or every provider asked
 * allowed), else the denial. `matching` gives the first matching rule of a policy (rules.ts).
 */
export function customOutcome(
  mesh: MeshPolicies,
  custom: AuthorizationPolicy[],
  req: AuthzRequest,
  matching: (p: AuthorizationPolicy) => string | undefined,
): CustomOutcome | undefined {
  if (!custom.length) return undefined;
  const defined = providers(mesh);
  const names = [...new Set(custom.map((p) => p.spec?.provider?.name ?? ''))];
  const tooMany = names.length > 1 && !mesh.multipleCustomProviders;
  for (const p of custom) {
    const rule = matching(p);
    if (!rule) continue;
    const provider = p.spec?.provider?.name ?? '';
    if (tooMany)
      return {
        allowed: false,
        policy: rule,
        reason: `CUSTOM ${rule}: ${names.length} ext_authz providers on one workload (${names.join(', ')}) without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: istiod denies every CUSTOM rule`,
      };
    const config = defined?.get(provider);
    if (defined && !config)
      return {
        allowed: false,
        policy: rule,
        reason: `CUSTOM ${rule}: ext_authz provider "${provider}" is not defined in meshConfig.extensionProviders: istiod denies the rule (fail closed)`,
      };
    const answer = req.extAuthz?.[provider];
    if (!answer)
      throw new Error(`not modelled: CUSTOM policy ${rule} defers to ext_authz provider "${provider}"; pass its answer in extAuthz`);
    if (answer === 'allow') continue;
    if (answer === 'unreachable' && config?.failOpen) continue;
    return {
      allowed: false,
      policy: rule,
      reason:
        answer === 'deny'
          ? `ext_authz provider "${provider}" denied (CUSTOM ${rule})`
          : `ext_authz provider "${provider}" unreachable and not failOpen: denied (CUSTOM ${rule})`,
    };
  }
  return undefined;
}

/** Dry-run CUSTOM policies are not modelled (they still call the provider at this version). */
export function refuseDryRunCustom(p: AuthorizationPolicy): never {
  throw new Error(`not modelled: dry-run CUSTOM policy ${id(p.metadata)} (istiod still calls its ext_authz provider)`);
}
