// `istioctl analyze` findings on the bundle that are accepted, each with its reason. `meshobs validate`
// fails on any Warning or Error finding not listed here; the cluster tier (istio.cluster.test.ts) also
// fails on a listed one that no longer appears, so the list stays exact. Match: code + the resource
// the finding names (origin, e.g. "VirtualService podinfo/podinfo").
export interface AcceptedFinding {
  code: string;
  origin: string;
  reason: string;
}

export const ACCEPTED_ANALYZE_FINDINGS: AcceptedFinding[] = [];
