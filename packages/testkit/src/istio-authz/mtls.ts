// Which inbound ports of a pod Envoy captures, and the PeerAuthentication mode each port gets (the
// "Capture" and "PeerAuthentication" points of istio-authz.ts, with their sources).
import { id, type MeshPolicies, type MtlsMode, type PeerAuthentication, subsetOf, type Workload } from './model.ts';

const BYPASS_PORTS = [15090, 15021];
const DEFAULT_STATUS_PORT = 15020;
const splitPorts = (s: string) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map(Number);

/** Whether Envoy sees inbound connections to `port` of this pod at all. */
export function captured(w: Workload, port: number): boolean {
  const a = w.annotations ?? {};
  const include = a['traffic.sidecar.istio.io/includeInboundPorts'] ?? '*';
  if (include !== '*') return splitPorts(include).includes(port);
  const status = Number(a['status.sidecar.istio.io/port'] ?? DEFAULT_STATUS_PORT);
  const excluded = [...BYPASS_PORTS, ...(status ? [status] : []), ...splitPorts(a['traffic.sidecar.istio.io/excludeInboundPorts'] ?? '')];
  return !excluded.includes(port);
}

const modeOf = (m?: { mode?: MtlsMode }): MtlsMode => m?.mode ?? 'UNSET';

/** The effective mTLS mode of one port of a workload, and which policy set it. */
export function mtlsModeFor(mesh: MeshPolicies, w: Workload, port: number): { mode: Exclude<MtlsMode, 'UNSET'>; by: string } {
  let meshCfg: PeerAuthentication | undefined;
  let nsCfg: PeerAuthentication | undefined;
  let workloadCfg: PeerAuthentication | undefined;
  // First (oldest) one of each level wins: the list is in creation order.
  for (const pa of mesh.peerAuthentications) {
    const ns = pa.metadata.namespace;
    if (ns !== w.namespace && ns !== mesh.rootNamespace) continue;
    const selector = pa.spec?.selector?.matchLabels;
    if (!subsetOf(selector, w.labels)) continue;
    if (!selector || Object.keys(selector).length === 0) {
      if (ns === mesh.rootNamespace) meshCfg ??= pa;
      else nsCfg ??= pa;
    } else if (ns !== mesh.rootNamespace) workloadCfg ??= pa;
  }
  let mode: Exclude<MtlsMode, 'UNSET'> = 'PERMISSIVE';
  let by = 'default (no PeerAuthentication)';
  for (const [cfg, level] of [
    [meshCfg, 'mesh-wide'],
    [nsCfg, 'namespace-wide'],
    [workloadCfg, 'workload'],
  ] as const) {
    const m = modeOf(cfg?.spec?.mtls);
    if (cfg && m !== 'UNSET') {
      mode = m;
      by = `${level} ${id(cfg.metadata)}`;
    }
  }
  const perPort = workloadCfg?.spec?.portLevelMtls?.[String(port)];
  if (workloadCfg && perPort) {
    const m = modeOf(perPort);
    if (m !== 'UNSET') return { mode: m, by: `portLevelMtls ${port} of ${id(workloadCfg.metadata)}` };
  }
  return { mode, by };
}
