// TCP bytes per serving workload and service (server side): the "TCP Workloads" table of Istio's Mesh
// dashboard (istio/istio manifests/addons/dashboards/istio-mesh-dashboard.gen.json, by
// destination_workload, destination_workload_namespace, destination_service).
import { ISTIO_METRICS, LEVELS, REPORTER, recordNames, sumRate } from '@meshobs/signals';
import type { RecordingRule } from '../recording-rules.ts';

export function tcpWorkloadRecordingRules(window: string): RecordingRule[] {
  const n = recordNames(window);
  return [
    {
      record: n.workloadTcpSentBytesRate,
      expr: sumRate(ISTIO_METRICS.tcpSentBytes, window, LEVELS.service_workload, REPORTER.destination),
    },
    {
      record: n.workloadTcpReceivedBytesRate,
      expr: sumRate(ISTIO_METRICS.tcpReceivedBytes, window, LEVELS.service_workload, REPORTER.destination),
    },
  ];
}
