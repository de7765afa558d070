// `istioctl analyze` findings on the bundle that are accepted, each with its reason. `meshobs validate`
// fails on any Warning or Error finding not listed here; the cluster tier (istio.cluster.test.ts) also
// fails on a listed one that no longer appears, so the list stays exact. Match: code + the resource
// the finding names (origin, e.g. "VirtualService podinfo/podinfo").
import { type KubeObject, uiRouteName } from '@meshobs/kube';

export interface AcceptedFinding {
  code: string;
  origin: string;
  reason: string;
}

export const ACCEPTED_ANALYZE_FINDINGS: AcceptedFinding[] = [];

/** The UIs whose Service the bundle never renders: Kiali's (its operator or chart) and Grafana's (kube-prometheus-stack). */
const UIS_SERVED_FROM_OUTSIDE: Record<string, string> = {
  kiali: "Kiali's Service is created by the kiali-operator or the kiali-server chart, not by the bundle",
  grafana: "Grafana's Service is kube-prometheus-stack's (or your Grafana's), not the bundle's",
};

/**
 * The accepted findings of one bundle: the fixed list, and IST0101 (ReferencedResourceNotFound, host) for
 * each UI route (ingress.ui) to a Service outside the bundle, which `istioctl analyze` over the bundle's
 * files cannot see (pkg/config/analysis/analyzers/virtualservice/destinationhosts.go at the pinned commit).
 */
export function acceptedAnalyzeFindings(objects: KubeObject[]): AcceptedFinding[] {
  const services = new Set(
    objects.filter((o) => o.kind === 'Service').map((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`),
  );
  const out = [...ACCEPTED_ANALYZE_FINDINGS];
  for (const [ui, reason] of Object.entries(UIS_SERVED_FROM_OUTSIDE))
    for (const vs of objects.filter((o) => o.kind === 'VirtualService' && o.metadata.name === uiRouteName(ui))) {
      // biome-ignore lint/suspicious/noExplicitAny: reads a rendered VirtualService's routes
      const hosts: string[] = ((vs as any).spec?.http ?? []).flatMap((h: any) => (h.route ?? []).map((r: any) => r.destination?.host));
      if (hosts.some((h) => !services.has(h)))
        out.push({ code: 'IST0101', origin: `VirtualService ${vs.metadata.namespace}/${vs.metadata.name}`, reason });
    }
  return out;
}
