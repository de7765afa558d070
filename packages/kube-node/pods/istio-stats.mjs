// The one stand-in of the node tier: Istio's telemetry. istio_requests_total and
// istio_request_duration_milliseconds are made by the stats filter inside istio-proxy (Istio's Envoy
// build), which cannot be built here; the node runs without sidecars. This proxy passes real requests
// to the demo's Service and counts each real response the way the destination's sidecar would report
// it (reporter="destination", Istio's standard labels, istio/istio tools/.../metrics docs), on
// :15090/stats/prometheus in a container named istio-proxy, so the bundle's own envoy-stats PodMonitor
// scrapes it and its rules, alerts and routing run on real numbers from real traffic.
import { request as httpRequest, createServer } from 'node:http';

const upstream = new URL(process.env.UPSTREAM);
const dest = {
  destination_service: process.env.DESTINATION_SERVICE,
  destination_service_name: process.env.DESTINATION_SERVICE_NAME,
  destination_service_namespace: process.env.DESTINATION_SERVICE_NAMESPACE,
  destination_workload: process.env.DESTINATION_WORKLOAD,
  destination_workload_namespace: process.env.DESTINATION_SERVICE_NAMESPACE,
  destination_version: process.env.DESTINATION_VERSION,
  destination_app: process.env.DESTINATION_SERVICE_NAME,
  destination_cluster: 'Kubernetes',
  source_workload: 'istio-ingressgateway',
  source_workload_namespace: 'istio-system',
  source_app: 'istio-ingressgateway',
  source_version: 'unknown',
  source_cluster: 'Kubernetes',
  reporter: 'destination',
  request_protocol: 'http',
  connection_security_policy: 'mutual_tls',
  response_flags: '-',
};
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
const requests = new Map();
const durations = new Map();

const labels = (code) => Object.entries({ ...dest, response_code: String(code) }).map(([k, v]) => `${k}="${v}"`);

function record(code, ms) {
  const key = String(code);
  requests.set(key, (requests.get(key) ?? 0) + 1);
  const d = durations.get(key) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
  BUCKETS.forEach((b, i) => {
    if (ms <= b) d.buckets[i]++;
  });
  d.sum += ms;
  d.count++;
  durations.set(key, d);
}

function exposition() {
  const lines = ['# TYPE istio_requests_total counter'];
  for (const [code, n] of requests) lines.push(`istio_requests_total{${labels(code).join(',')}} ${n}`);
  lines.push('# TYPE istio_request_duration_milliseconds histogram');
  for (const [code, d] of durations) {
    const l = labels(code).join(',');
    BUCKETS.forEach((b, i) => lines.push(`istio_request_duration_milliseconds_bucket{${l},le="${b}"} ${d.buckets[i]}`));
    lines.push(`istio_request_duration_milliseconds_bucket{${l},le="+Inf"} ${d.count}`);
    lines.push(`istio_request_duration_milliseconds_sum{${l}} ${d.sum}`);
    lines.push(`istio_request_duration_milliseconds_count{${l}} ${d.count}`);
  }
  return `${lines.join('\n')}\n`;
}

createServer((req, res) => {
  const started = performance.now();
  const out = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => record(up.statusCode ?? 502, performance.now() - started));
    },
  );
  out.on('error', () => {
    record(503, performance.now() - started);
    res.writeHead(503).end();
  });
  req.pipe(out);
}).listen(8080);

createServer((req, res) => {
  if (req.url?.startsWith('/stats/prometheus')) {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(exposition());
  } else res.writeHead(404).end();
}).listen(15090);

// PID 1 of its container: exit on SIGTERM, which Node does not do by default there.
process.on('SIGTERM', () => process.exit(0));
