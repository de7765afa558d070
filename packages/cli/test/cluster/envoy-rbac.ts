// Evaluates the authorization istiod actually generated for one inbound connection or request: which
// filter chain of the proxy's virtualInbound listener takes it, and what the RBAC filters of that chain
// decide. A second opinion beside @meshobs/testkit's istio-authz evaluator, which reads the Istio objects;
// here only Envoy's own semantics apply, to the configuration istiod produced.
//
// Envoy semantics (envoyproxy/envoy, the release Istio's proxy tracks):
// - Filter chain selection: selectChain below (istiod at the pinned commit uses filter_chain_match on
//   virtualInbound, not the matcher tree). The transport protocol is "tls" for a TLS ClientHello and
//   "raw_buffer" otherwise (tls_inspector).
// - RBAC (source/extensions/filters/common/rbac/matchers.cc, engine_impl.cc): ALLOW allows when a policy
//   matches (no policy: deny), DENY denies when one matches; a policy matches when one permission and
//   one principal match. `authenticated` is false without TLS and otherwise compares the peer's URI SAN
//   with the string matcher (absent: any authenticated peer).
// Anything else the configuration holds throws, naming the field, rather than deciding silently.

type Any = any;

export interface InboundRequest {
  port: number;
  /** The caller's SPIFFE id when it arrives over Istio mTLS; undefined for plaintext. */
  principal?: string;
  /** HTTP request (method, path) or undefined for opaque TCP. */
  http?: { method: string; path: string };
  destinationIp: string;
}

export interface GeneratedVerdict {
  allowed: boolean;
  /** Which filter chain took the connection (undefined: none, the connection is closed). */
  chain?: string;
  reason: string;
}

function stringMatch(m: Any, value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const c = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === c(m.exact);
  if (m.prefix !== undefined) return v.startsWith(c(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(c(m.suffix));
  if (m.contains !== undefined) return v.includes(c(m.contains));
  if (m.safeRegex !== undefined) return new RegExp(`^(?:${m.safeRegex.regex})$`).test(value);
  throw new Error(`unmodelled string matcher ${JSON.stringify(m)}`);
}

function headerValue(req: InboundRequest, name: string): string | undefined {
  if (!req.http) return undefined;
  if (name === ':method') return req.http.method;
  if (name === ':path') return req.http.path;
  return undefined;
}

function permission(p: Any, req: InboundRequest): boolean {
  if (p.any) return true;
  if (p.andRules) return p.andRules.rules.every((r: Any) => permission(r, req));
  if (p.orRules) return p.orRules.rules.some((r: Any) => permission(r, req));
  if (p.notRule) return !permission(p.notRule, req);
  if (p.destinationPort !== undefined) return p.destinationPort === req.port;
  if (p.destinationPortRange) return req.port >= p.destinationPortRange.start && req.port < p.destinationPortRange.end;
  if (p.header) return headerMatch(p.header, req);
  if (p.urlPath) return req.http !== undefined && stringMatch(p.urlPath.path, req.http.path.split('?')[0]);
  throw new Error(`unmodelled RBAC permission ${JSON.stringify(p)}`);
}

function headerMatch(h: Any, req: InboundRequest): boolean {
  const v = headerValue(req, h.name);
  let r: boolean;
  if (h.stringMatch) r = stringMatch(h.stringMatch, v);
  else if (h.presentMatch !== undefined) r = (v !== undefined) === h.presentMatch;
  else if (h.exactMatch !== undefined) r = v === h.exactMatch;
  else throw new Error(`unmodelled header matcher ${JSON.stringify(h)}`);
  return h.invertMatch ? !r : r;
}

function principal(p: Any, req: InboundRequest): boolean {
  if (p.any) return true;
  if (p.andIds) return p.andIds.ids.every((r: Any) => principal(r, req));
  if (p.orIds) return p.orIds.ids.some((r: Any) => principal(r, req));
  if (p.notId) return !principal(p.notId, req);
  if (p.authenticated) {
    if (req.principal === undefined) return false;
    return p.authenticated.principalName ? stringMatch(p.authenticated.principalName, req.principal) : true;
  }
  if (p.header) return headerMatch(p.header, req);
  throw new Error(`unmodelled RBAC principal ${JSON.stringify(p)}`);
}

/** The name of the first policy of an RBAC rules block that matches, or undefined. */
function matchingPolicy(rules: Any, req: InboundRequest): string | undefined {
  for (const [name, policy] of Object.entries<Any>(rules.policies ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (policy.condition || policy.checkedCondition) throw new Error(`unmodelled RBAC condition in ${name}`);
    if ((policy.permissions ?? []).some((p: Any) => permission(p, req)) && (policy.principals ?? []).some((p: Any) => principal(p, req)))
      return name;
  }
  return undefined;
}

const RBAC_HTTP = 'envoy.filters.http.rbac';
const RBAC_NET = 'envoy.filters.network.rbac';
const HCM = 'envoy.filters.network.http_connection_manager';

/** The RBAC blocks (enforced rules only, not shadow rules) a request meets in a filter chain, in order. */
export function rbacFilters(chain: Any): Any[] {
  const out: Any[] = [];
  for (const f of chain.filters ?? []) {
    if (f.name === RBAC_NET && f.typedConfig.rules) out.push(f.typedConfig.rules);
    if (f.name === HCM)
      for (const h of f.typedConfig.httpFilters ?? []) if (h.name === RBAC_HTTP && h.typedConfig?.rules) out.push(h.typedConfig.rules);
  }
  return out;
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const inRange = (r: Any, ip: string) => {
  if (String(r.addressPrefix).includes(':')) return false;
  const len = r.prefixLen ?? 0;
  const size = 2 ** (32 - len);
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(r.addressPrefix) / size);
};

/** Keeps the chains whose criterion equals the value, or (none such) those without the criterion. */
function narrow(chains: Any[], has: (m: Any) => boolean, equals: (m: Any) => boolean): Any[] {
  const exact = chains.filter((c) => has(c.filterChainMatch ?? {}) && equals(c.filterChainMatch));
  return exact.length ? exact : chains.filter((c) => !has(c.filterChainMatch ?? {}));
}

/**
 * Envoy's filter chain selection over filter_chain_match (envoyproxy/envoy
 * source/common/listener_manager/filter_chain_manager_impl.cc, and the FilterChainMatch docs): destination
 * port, destination IP (longest prefix), server names, transport protocol, application protocols (the
 * client's offers in order, the first one some chain lists), each level falling back to the chains that
 * leave the criterion empty; nothing left selects the default filter chain.
 */
export function selectChain(listener: Any, conn: { port: number; ip: string; transport: string; alpn: string[] }): Any | undefined {
  if (listener.filterChainMatcher) throw new Error(`unmodelled filter_chain_matcher on ${listener.name}`);
  let c: Any[] = listener.filterChains ?? [];
  c = narrow(
    c,
    (m) => m.destinationPort !== undefined,
    (m) => m.destinationPort === conn.port,
  );
  const longest = (m: Any) =>
    Math.max(-1, ...(m.prefixRanges ?? []).filter((r: Any) => inRange(r, conn.ip)).map((r: Any) => r.prefixLen ?? 0));
  const best = Math.max(-1, ...c.map((x) => longest(x.filterChainMatch ?? {})));
  c = narrow(
    c,
    (m) => (m.prefixRanges ?? []).length > 0,
    (m) => best >= 0 && longest(m) === best,
  );
  c = c.filter((x) => !(x.filterChainMatch?.serverNames ?? []).length);
  c = narrow(
    c,
    (m) => !!m.transportProtocol,
    (m) => m.transportProtocol === conn.transport,
  );
  const offered = conn.alpn.find((p) => c.some((x) => (x.filterChainMatch?.applicationProtocols ?? []).includes(p)));
  c = narrow(
    c,
    (m) => (m.applicationProtocols ?? []).length > 0,
    (m) => offered !== undefined && m.applicationProtocols.includes(offered),
  );
  for (const x of c)
    for (const k of ['directSourcePrefixRanges', 'sourcePrefixRanges', 'sourcePorts', 'sourceType'])
      if (x.filterChainMatch?.[k] !== undefined && x.filterChainMatch[k] !== 'ANY') throw new Error(`unmodelled ${k} in chain ${x.name}`);
  return c[0] ?? listener.defaultFilterChain;
}

/**
 * ALPN an Istio client sidecar offers over mTLS: the istio.alpn filter's overrides for HTTP/1.1
 * (istio-http/1.1, istio, http/1.1), or the cluster's istio-peer-exchange, istio for TCP (istio/istio
 * pilot/pkg/xds/filters/filters.go mtlsHTTP11ALPN, pilot/pkg/networking/util/util.go ALPNInMeshWithMxc).
 * Plaintext HTTP/1.1 is detected as http/1.1 (http_inspector); plaintext TCP offers nothing.
 */
const alpnOf = (tls: boolean, http: boolean) =>
  tls ? (http ? ['istio-http/1.1', 'istio', 'http/1.1'] : ['istio-peer-exchange', 'istio']) : http ? ['http/1.1'] : [];

/** What the proxy's generated virtualInbound listener does with the request. */
export function evaluateGenerated(listeners: Any[], req: InboundRequest): GeneratedVerdict {
  const inbound = listeners.find((l) => l.name === 'virtualInbound');
  if (!inbound) throw new Error('no virtualInbound listener');
  const tls = req.principal !== undefined;
  const chain = selectChain(inbound, {
    port: req.port,
    ip: req.destinationIp,
    transport: tls ? 'tls' : 'raw_buffer',
    alpn: alpnOf(tls, !!req.http),
  });
  if (!chain) return { allowed: false, reason: `no filter chain of virtualInbound takes ${tls ? 'mTLS' : 'plaintext'} on ${req.port}` };
  const name = chain.name ?? '(default)';
  if (chain.filters?.some((f: Any) => f.name === 'envoy.filters.network.tcp_proxy' && f.typedConfig?.cluster === 'BlackHoleCluster'))
    return { allowed: false, chain: name, reason: `chain ${name} sends to BlackHoleCluster` };
  for (const rules of rbacFilters(chain)) {
    const hit = matchingPolicy(rules, req);
    const action = rules.action ?? 'ALLOW';
    if (action === 'ALLOW' && !hit) return { allowed: false, chain: name, reason: `chain ${name}: no ALLOW policy matches` };
    if (action === 'DENY' && hit) return { allowed: false, chain: name, reason: `chain ${name}: DENY ${hit}` };
    if (action !== 'ALLOW' && action !== 'DENY') throw new Error(`unmodelled RBAC action ${action}`);
  }
  return { allowed: true, chain: name, reason: `chain ${name} admits it` };
}
