// Scrape-target labels of the synthetic pods: the bundle's own model of them (@meshobs/model
// targets.ts), so the synthetic series carry exactly what the bundle's monitors produce
// (Envoy on its stats port, the operator's container/endpoint labels, the kept pod labels) and the
// rendered rule tests, which use the same model, cannot disagree with them.
import { envoyTargetLabels, gatewayPodLabels, istiodTargetLabels } from '@meshobs/model';
import type { Labels } from './series.ts';
import { ISTIO_NAMESPACE, type Pod, type Workload } from './topology.ts';

/** A sidecar's or (in the Istio namespace) a gateway's istio-proxy target. */
export const envoyTarget = (job: string, pod: Pod, w: Workload): Labels =>
  envoyTargetLabels(job, pod, w.namespace === ISTIO_NAMESPACE ? gatewayPodLabels(w.app) : { app: w.app, version: w.version });

export const istiodTarget = (job: string, pod: Pod): Labels => istiodTargetLabels(job, pod);
