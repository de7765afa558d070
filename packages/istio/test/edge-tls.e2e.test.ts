// Upstream Envoy 1.40 as the judge of the ingress gateway's TLS handshake series (EdgeTlsHandshakeFailures and
// the overview panel "TLS handshakes at the edge"):
// - a listener with what istiod makes of the edge Gateway's HTTPS server (packages/kube tlsGateway: SIMPLE,
//   minProtocolVersion TLSV1_3, which istio/istio pilot/pkg/networking/core/listener.go turns into the
//   DownstreamTlsContext's tls_params.tls_minimum_protocol_version TLSv1_3), a throwaway self-signed certificate;
// - the stats configuration of Istio's bootstrap (tools/packaging/common/envoy_bootstrap.json at the pinned
//   commit eed52ebb66ad: use_all_default_tags false, its `listener_address` tag, the stats matcher of
//   pkg/bootstrap/config.go getStatsOptions) with the proxyStatsMatcher the bundle gives the ingress gateway's
//   pods (the proxy.istio.io/config annotation of its Helm values);
// - one TLS 1.3 client (served) and one TLS 1.2-only client (refused): /stats/prometheus has exactly 1 handshake
//   and 1 connection error under the names and label the PromQL reads;
// - a real Prometheus scrapes that Envoy and evaluates the alert's own expression on it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { parseConfig } from '@meshobs/config';
import { type AlertingRule, resolveModel, ruleGroups } from '@meshobs/model';
import { ENVOY_LISTENER_METRICS, LISTENER_ADDRESS } from '@meshobs/signals';
import { freePort, missingTools, requireTool, startProcess, stopAll, tempDir, waitUntil } from '@meshobs/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewayValuesFile, renderIstio } from '../src/index.ts';
import { type Envoy, httpListener, startEnvoy } from './envoy-kit.ts';

type Any = any;

const HOST = 'edge.example.com';

/** The ingress gateway's proxyStatsMatcher, read back from the annotation the bundle renders into its Helm values. */
function renderedGatewayStatsMatcher(config = parseConfig({})): { inclusionSuffixes: string[]; inclusionRegexps: string[] } {
  const name = config.istio.gateways.ingress.name;
  const file = renderIstio(resolveModel(config)).files.find((f) => f.path === gatewayValuesFile(name));
  if (!file) throw new Error(`no ${gatewayValuesFile(name)}`);
  return parse(parse(file.content).podAnnotations['proxy.istio.io/config']).proxyStatsMatcher;
}

/**
 * The stats_config pilot-agent writes into the gateway's bootstrap (envoy_bootstrap.json, pinned commit): no
 * default tags, Istio's own `listener_address` tag (the http_conn_manager_listener_prefix tag before it, as
 * there), and the inclusion list: `reporter=`, the required prefixes, the RBAC suffixes, the required
 * `vhost\..*\.route\..*` regex, then what proxyStatsMatcher adds (pkg/bootstrap/config.go
 * requiredEnvoyStatsMatcherInclusion*, parseOption appends the required ones to the proxy config's).
 */
function istioGatewayStats(matcher: { inclusionSuffixes: string[]; inclusionRegexps: string[] }, istioTags = true) {
  return {
    statsConfig: {
      useAllDefaultTags: !istioTags,
      statsTags: istioTags
        ? [
            {
              tagName: 'http_conn_manager_listener_prefix',
              regex: '^listener(?=\\.).*?\\.http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)',
            },
            { tagName: 'listener_address', regex: '^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)' },
          ]
        : [],
      statsMatcher: {
        inclusionList: {
          patterns: [
            { prefix: 'reporter=' },
            ...['cluster_manager', 'listener_manager', 'server', 'cluster.xds-grpc', 'wasm'].map((prefix) => ({ prefix })),
            ...[...matcher.inclusionSuffixes, 'rbac.allowed', 'rbac.denied', 'shadow_allowed', 'shadow_denied'].map((suffix) => ({
              suffix,
            })),
            ...[...matcher.inclusionRegexps, 'vhost\\..*\\.route\\..*'].map((regex) => ({ safeRegex: { regex } })),
            { prefix: 'component' },
            { prefix: 'istio' },
          ],
        },
      },
    },
  };
}

/** A throwaway self-signed certificate for HOST (openssl, as the node tier's PKI). */
function selfSigned(): { cert: string; key: string } {
  const dir = tempDir('edge-tls-cert');
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${HOST}`,
      '-addext',
      `subjectAltName=DNS:${HOST}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

/** The HTTPS server of the edge Gateway as a listener on loopback: TLS 1.3 minimum, answering 200. */
function httpsListener(port: number, tls: { cert: string; key: string }): Any {
  const listener = httpListener('0.0.0.0_8443', port, {
    statPrefix: 'outbound_0.0.0.0_8443',
    routeConfig: {
      virtualHosts: [{ name: HOST, domains: ['*'], routes: [{ match: { prefix: '/' }, directResponse: { status: 200 } }] }],
    },
  });
  listener.filterChains[0].transportSocket = {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      commonTlsContext: {
        tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_3' },
        tlsCertificates: [{ certificateChain: { filename: tls.cert }, privateKey: { filename: tls.key } }],
      },
    },
  };
  return listener;
}

/** An HTTPS GET with TLS 1.3 (the certificate is self-signed: not verified); resolves with the status. */
function getTls13(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: HOST,
        minVersion: 'TLSv1.3',
        rejectUnauthorized: false,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('TLS 1.3 GET timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A client that offers TLS 1.2 at most: resolves with its error (the handshake must fail). */
function refusedTls12(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: HOST,
      maxVersion: 'TLSv1.2',
      rejectUnauthorized: false,
      timeout: 30_000,
    });
    socket.on('secureConnect', () => {
      socket.destroy();
      reject(new Error('a TLS 1.2 client completed the handshake'));
    });
    socket.on('timeout', () => socket.destroy(new Error('TLS 1.2 handshake timed out')));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Samples of one metric on /stats/prometheus: its labels and value. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => {
      const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(l)!;
      const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { labels, value: Number(m[2]) };
    });
}

/**
 * Envoy with the edge listener and `stats`; one TLS 1.3 client served, one TLS 1.2 client refused. With
 * `counted`, waits until Envoy shows both counts; without (the stats matcher rejects them), nothing can be
 * waited for, and nothing needs to be: Envoy creates a TLS context's counters with the context, at listener
 * start (source/common/tls/stats.cc generateSslStats), so an included counter is on /stats/prometheus at 0
 * before any client and an excluded one never is.
 */
async function handshakes(name: string, stats: Any, counted = true): Promise<{ envoy: Envoy; port: number; text: string }> {
  const port = await freePort();
  const envoy = await startEnvoy(name, { listeners: [httpsListener(port, selfSigned())], clusters: [] }, stats);
  const before = await envoy.stats();
  for (const metric of Object.values(ENVOY_LISTENER_METRICS))
    expect(
      samples(before, metric).map((x) => x.value),
      `${metric} before any client`,
    ).toEqual(counted ? [0] : []);
  expect(await getTls13(port)).toBe(200);
  expect(await refusedTls12(port)).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|ECONNRESET|alert/i);
  if (!counted) return { envoy, port, text: await envoy.stats() };
  // The refused connection is counted when Envoy reads the client's hello; wait for both counts (or give up).
  const listenerStats = () =>
    fetch(`http://127.0.0.1:${envoy.admin}/stats?filter=ssl\\.(handshake|connection_error)$`).then((r) => r.text());
  await waitUntil(
    async () => /ssl\.handshake: 1\b/.test(await listenerStats()) && /ssl\.connection_error: 1\b/.test(await listenerStats()),
    30_000,
    'Envoy to count 1 handshake and 1 connection error on the listener',
    100,
  );
  return { envoy, port, text: await envoy.stats() };
}

describe.skipIf(missingTools('envoy', 'openssl', 'prometheus'))('TLS handshakes at the ingress gateway, on upstream Envoy', () => {
  afterEach(stopAll);
  afterAll(stopAll);

  it('one TLS 1.3 client served, one TLS 1.2 client refused: 1 handshake and 1 connection error under the names and label the PromQL reads', async () => {
    const { port, text } = await handshakes('edge-tls', istioGatewayStats(renderedGatewayStatsMatcher()));
    const address = `127.0.0.1_${port}`;
    const handshake = samples(text, ENVOY_LISTENER_METRICS.sslHandshake);
    const failed = samples(text, ENVOY_LISTENER_METRICS.sslConnectionError);
    console.log(`on /stats/prometheus: ${[...handshake, ...failed].map((s) => JSON.stringify(s)).join(', ')}`);
    expect(handshake).toEqual([{ labels: { [LISTENER_ADDRESS]: address }, value: 1 }]);
    expect(failed).toEqual([{ labels: { [LISTENER_ADDRESS]: address }, value: 1 }]);
    // Narrow: no other TLS stat of the listener (per cipher, version, curve, session reuse) is exported.
    const others = text
      .split('\n')
      .filter((l) => /^envoy_listener_ssl_/.test(l) && !/^envoy_listener_ssl_(handshake|connection_error)\{/.test(l));
    expect(others).toEqual([]);
  });

  it('can fail: with the mesh default proxyStatsMatcher only (no annotation), neither series exists', async () => {
    const meshDefault = { ...renderedGatewayStatsMatcher(), inclusionRegexps: [] };
    const { text } = await handshakes('edge-tls-no-annotation', istioGatewayStats(meshDefault), false);
    expect(samples(text, ENVOY_LISTENER_METRICS.sslHandshake)).toEqual([]);
    expect(samples(text, ENVOY_LISTENER_METRICS.sslConnectionError)).toEqual([]);
  });

  it("can fail: with upstream Envoy's default tags instead of Istio's, the label is envoy_listener_address (the PromQL reads listener_address)", async () => {
    const { port, text } = await handshakes('edge-tls-default-tags', istioGatewayStats(renderedGatewayStatsMatcher(), false));
    expect(samples(text, ENVOY_LISTENER_METRICS.sslHandshake)).toEqual([
      { labels: { envoy_listener_address: `127.0.0.1_${port}` }, value: 1 },
    ]);
  });

  it("a real Prometheus scraping that Envoy evaluates the alert's expression to a 50 % failed share, and its guards hold", async () => {
    const { envoy } = await handshakesScraped();
    // The rule as the bundle renders it, with a one-minute window (the scrape runs every second).
    const rule = (edge: Any): AlertingRule =>
      ruleGroups(parseConfig({ alerts: { window: '1m', edgeTlsHandshakeFailures: edge } }))
        .flatMap((g) => g.rules)
        .find((r): r is AlertingRule => 'alert' in r && r.alert === 'EdgeTlsHandshakeFailures')!;
    const firing = await envoy.query(rule({ threshold: 0.2, minHandshakeRate: 0.001 }).expr);
    expect(firing.map((r) => r.metric)).toEqual([
      { namespace: 'istio-system', istio: 'ingressgateway', [LISTENER_ADDRESS]: envoy.address },
    ]);
    expect(Number(firing[0]!.value[1])).toBeCloseTo(0.5, 9);
    // Two handshakes in a minute are far below the default minimum rate (1/s): a lone scanner does not page.
    expect(await envoy.query(rule({}).expr)).toEqual([]);
    // Half failing is below a 60 % threshold.
    expect(await envoy.query(rule({ threshold: 0.6, minHandshakeRate: 0.001 }).expr)).toEqual([]);
  });
});

/**
 * The edge Envoy scraped every second by a real Prometheus as the ingress gateway's pod (job envoy-stats, its
 * namespace and `istio` label, as the bundle's PodMonitor relabels them); the two clients connect once two
 * scrapes have seen the counters at 0, and the query waits for a scrape that sees them at 1.
 */
async function handshakesScraped() {
  const port = await freePort();
  const envoy = await startEnvoy(
    'edge-tls-scraped',
    { listeners: [httpsListener(port, selfSigned())], clusters: [] },
    istioGatewayStats(renderedGatewayStatsMatcher()),
  );
  const dir = tempDir('edge-tls-prometheus');
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'envoy-stats',
          metrics_path: '/stats/prometheus',
          static_configs: [{ targets: [`127.0.0.1:${envoy.admin}`], labels: { namespace: 'istio-system', istio: 'ingressgateway' } }],
        },
      ],
    }),
  );
  await startProcess(
    'edge-tls-prometheus',
    requireTool('prometheus'),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { readyUrl: `http://127.0.0.1:${promPort}/-/ready`, timeoutMs: 60_000 },
  );
  const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`).then(
      (x) => x.json() as Promise<Any>,
    );
    if (r.status !== 'success') throw new Error(`query failed: ${JSON.stringify(r)}`);
    return r.data.result;
  };
  const handshake = ENVOY_LISTENER_METRICS.sslHandshake;
  await waitUntil(
    async () => Number((await query(`count_over_time(${handshake}[1m])`))[0]?.value[1] ?? 0) >= 2,
    30_000,
    'two scrapes of the counters at 0',
    200,
  );
  expect(await getTls13(port)).toBe(200);
  await refusedTls12(port);
  await waitUntil(
    async () => (await query(`${ENVOY_LISTENER_METRICS.sslConnectionError} == 1 and ${handshake} == 1`)).length === 1,
    30_000,
    'a scrape of 1 handshake and 1 connection error',
    200,
  );
  return { envoy: { query, address: `127.0.0.1_${port}` } };
}
