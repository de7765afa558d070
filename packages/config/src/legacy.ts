// Keys of earlier meshobs configs that the current schema replaced, each refused with the new form
// written out from the values the user gave, so an upgrade is a copy and paste, not a search.
import type { ConfigProblem } from './errors.ts';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * services[i].stableVersion / canaryVersion / canaryWeight (two versions only, 90/10 by default) became
 * services[i].versions, any number of versions with their weights.
 */
function versionsOf(s: Raw): string {
  const stable = typeof s.stableVersion === 'string' ? s.stableVersion : 'stable';
  const canary = typeof s.canaryVersion === 'string' ? s.canaryVersion : 'canary';
  const weight = typeof s.canaryWeight === 'number' ? Math.round(s.canaryWeight) : 10;
  if (weight <= 0 || canary === stable) return `versions: [{ name: ${stable}, weight: 100 }]`;
  return `versions: [{ name: ${stable}, weight: ${100 - weight} }, { name: ${canary}, weight: ${weight} }]`;
}

const LEGACY_SERVICE_KEYS = ['stableVersion', 'canaryVersion', 'canaryWeight', 'replicas'] as const;

/**
 * demo.ingressHosts (a plain-HTTP Gateway on port 80) became ingress.hosts.demo: the demo's Gateway now
 * terminates TLS with ingress.tls.credentialName and redirects HTTP to HTTPS.
 */
function demoIngressHosts(raw: Raw): ConfigProblem[] {
  if (!isObject(raw.demo) || !('ingressHosts' in raw.demo)) return [];
  const hosts = JSON.stringify(raw.demo.ingressHosts);
  return [
    {
      path: 'demo.ingressHosts',
      segments: ['demo', 'ingressHosts'],
      message: `moved to ingress.hosts.demo: the demo's Gateway now serves HTTPS (TLS 1.3 minimum, certificate from the Secret named by ingress.tls.credentialName in the ingress gateway's namespace) and redirects HTTP to HTTPS; write ingress: { hosts: { demo: ${hosts} } }`,
    },
  ];
}

/** Problems for every replaced key in a raw config, or none. */
export function legacyProblems(raw: unknown): ConfigProblem[] {
  if (!isObject(raw)) return [];
  const out: ConfigProblem[] = demoIngressHosts(raw);
  if (!Array.isArray(raw.services)) return out;
  raw.services.forEach((s, i) => {
    if (!isObject(s)) return;
    const keys = LEGACY_SERVICE_KEYS.filter((k) => k in s);
    if (!keys.length) return;
    const path = `services[${i}]`;
    if (keys.some((k) => k !== 'replicas'))
      out.push({
        path: `${path}.${keys.find((k) => k !== 'replicas')}`,
        segments: ['services', i, keys.find((k) => k !== 'replicas')!],
        message: `stableVersion, canaryVersion and canaryWeight were replaced by a list of versions with weights that sum to 100; write ${versionsOf(s)}`,
      });
    if (keys.includes('replicas'))
      out.push({
        path: `${path}.replicas`,
        segments: ['services', i, 'replicas'],
        message:
          "services are the mesh's own services, which meshobs never deploys: replicas moved to demo.replicas (the demo service, off unless demo.enabled is true)",
      });
  });
  return out;
}
