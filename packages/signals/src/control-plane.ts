// istiod signals (job prometheus.jobs.istiod). `pilot_xds_push_errors` no longer exists: failed
// pushes are the `*_senderr` types of pilot_xds_pushes, next to rejects and internal errors.
import type { MeshobsConfig } from '@meshobs/config';
import { jobMatcher, targetsUp } from './jobs.ts';
import { ISTIOD_METRICS as M } from './metrics.ts';
import { aggregate, call, histogramQuantile, rate, selector, sumRate } from './promql.ts';

const SENDERR = 'type=~".*_senderr"';
const NOT_SENDERR = 'type!~".*_senderr"';

export const controlPlane = (config: Pick<MeshobsConfig, 'prometheus'>) => {
  const job = jobMatcher(config, 'istiod');
  const up = targetsUp(config, 'istiod');
  const quantile = (metric: string) => (q: number, window: string) => histogramQuantile(q, sumRate(metric, window, ['le'], job));
  const rootCertSecondsLeftParts = (labels: readonly string[] = []) => [
    aggregate('min', labels, selector(M.rootCertExpirySeconds, job)),
    aggregate('min', labels, `${selector(M.rootCertExpiryTimestamp, job)} - time()`),
  ];
  return {
    /** 1 per istiod target that is up. */
    up,
    /** Number of istiod instances up. */
    instancesUp: call('sum', up),
    /** Connected proxies per istiod. */
    connectedProxies: call('sum', selector(M.connectedProxies, job)),
    /** xDS pushes that failed to send. */
    pushSendErrors: (window: string, labels: readonly string[] = ['type']) => sumRate(M.pushes, window, labels, job, SENDERR),
    /** Successful pushes. */
    pushes: (window: string, labels: readonly string[]) => sumRate(M.pushes, window, labels, job, NOT_SENDERR),
    /** Config rejected by proxies (NACKs). */
    xdsRejects: (window: string, labels: readonly string[] = []) => aggregate('sum', labels, rate(M.rejects, window, job)),
    internalErrors: (window: string, labels: readonly string[] = []) => aggregate('sum', labels, rate(M.internalErrors, window, job)),
    /**
     * Seconds until the root CA expires: `_seconds` (Istio >= 1.23) or the older timestamp, as two
     * alternatives; `or` keeps the left side where both exist.
     */
    rootCertSecondsLeftParts,
    rootCertSecondsLeft: rootCertSecondsLeftParts().join(' or '),
    pushTime: quantile(M.pushTimeBucket),
    convergence: quantile(M.convergenceBucket),
    memory: (labels: readonly string[]) => aggregate('sum', labels, selector(M.residentMemory, job)),
    cpu: (window: string, labels: readonly string[]) => sumRate(M.cpuSeconds, window, labels, job),
    goroutines: (labels: readonly string[]) => aggregate('sum', labels, selector(M.goroutines, job)),
  };
};
