// Whether a rule of an AuthorizationPolicy matches a connection or request (the "Matching" and
// "HTTP-only fields" points of istio-authz.ts, with their sources).

import { hostMatch } from './hosts.ts';
import { authConditionMatches, type JwtIdentity, requestPrincipalMatches } from './jwt.ts';
import type { AuthorizationPolicy, Condition, Operation, Rule, Source } from './model.ts';
import { id } from './model.ts';

const HTTP_ONLY_OPERATION = ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'] as const;
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'] as const;
const isHttpOnlyKey = (key: string) => key.startsWith('request.headers') || key.startsWith('request.auth.');

/** Istio's string match: `*` presence, `*x` suffix, `x*` prefix, else exact (matcher/string.go StringMatcherWithPrefix). */
export function stringMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The identity matchers, all over the URI SAN `spiffe://<principal>`; undefined = no peer certificate.
const identity = {
  principal: (pattern: string, principal?: string) => principal !== undefined && stringMatch(pattern, principal),
  namespace: (pattern: string, principal?: string) =>
    principal !== undefined && new RegExp(`^.*/ns/${pattern.split('*').map(quote).join('.*')}/.*$`).test(`spiffe://${principal}`),
  serviceAccount: (policyNamespace: string) => (value: string, principal?: string) => {
    const [ns, sa] = value.includes('/') ? value.split('/', 2) : [policyNamespace, value];
    return (
      principal !== undefined && new RegExp(`^spiffe://.+/ns/${quote(ns!)}/(.+/|)sa/${quote(sa!)}(/.+)?$`).test(`spiffe://${principal}`)
    );
  },
};

/** One policy applied to one connection or request. */
export interface Ctx {
  policy: AuthorizationPolicy;
  action: 'CUSTOM' | 'DENY' | 'ALLOW';
  principal?: string;
  port: number;
  http?: { method: string; path: string; host?: string };
  /** The validated token's identity (jwt.ts); absent when there is none or the filter ran before jwt_authn. */
  jwt?: JwtIdentity;
}

class RuleDropped extends Error {}

/** values ORed, notValues negating their OR; an absent (or dropped) field matches. */
function field(values: string[] | undefined, notValues: string[] | undefined, test: (v: string) => boolean): boolean {
  if (values?.length && !values.some(test)) return false;
  if (notValues?.length && notValues.some(test)) return false;
  return true;
}

/** On TCP an HTTP-only field drops an ALLOW rule whole and is ignored by DENY/CUSTOM rules (model.go checkError). */
function httpOnly(ctx: Ctx, where: string, present: boolean): 'evaluate' | 'ignore' {
  if (!present) return 'ignore';
  if (ctx.http) return 'evaluate';
  if (ctx.action === 'ALLOW') throw new RuleDropped(`${where} is HTTP only`);
  return 'ignore';
}

function unmodelled(ctx: Ctx, what: string): never {
  throw new Error(`not modelled: ${what} in AuthorizationPolicy ${id(ctx.policy.metadata)}`);
}

const KNOWN_SOURCE = new Set([
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  ...HTTP_ONLY_SOURCE,
]);
const KNOWN_OPERATION = new Set(['ports', 'notPorts', ...HTTP_ONLY_OPERATION]);

function sourceMatches(ctx: Ctx, s: Source): boolean {
  for (const k of Object.keys(s)) if (!KNOWN_SOURCE.has(k) && (s[k] as unknown[] | undefined)?.length) unmodelled(ctx, `source.${k}`);
  const jwt = httpOnly(ctx, 'requestPrincipals', !!(s.requestPrincipals?.length || s.notRequestPrincipals?.length)) === 'evaluate';
  const sa = identity.serviceAccount(ctx.policy.metadata.namespace);
  return (
    (!jwt || field(s.requestPrincipals, s.notRequestPrincipals, (v) => requestPrincipalMatches(v, ctx.jwt))) &&
    field(s.principals, s.notPrincipals, (v) => identity.principal(v, ctx.principal)) &&
    field(s.namespaces, s.notNamespaces, (v) => identity.namespace(v, ctx.principal)) &&
    field(s.serviceAccounts, s.notServiceAccounts, (v) => sa(v, ctx.principal))
  );
}

function portValue(ctx: Ctx, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) unmodelled(ctx, `port "${v}" (istiod drops the rule)`);
  return n;
}

function operationMatches(ctx: Ctx, o: Operation): boolean {
  for (const k of Object.keys(o)) if (!KNOWN_OPERATION.has(k) && (o[k] as unknown[] | undefined)?.length) unmodelled(ctx, `operation.${k}`);
  // HTTP-only fields first: on TCP one of them drops an ALLOW rule whatever the other fields say.
  const hosts = httpOnly(ctx, 'hosts', !!(o.hosts?.length || o.notHosts?.length));
  const methods = httpOnly(ctx, 'methods', !!(o.methods?.length || o.notMethods?.length));
  const paths = httpOnly(ctx, 'paths', !!(o.paths?.length || o.notPaths?.length));
  if (!field(o.ports, o.notPorts, (v) => portValue(ctx, v) === ctx.port)) return false;
  if (hosts === 'evaluate') {
    const authority = ctx.http!.host ?? unmodelled(ctx, 'operation.hosts without the request host (pass http.host)');
    if (!field(o.hosts, o.notHosts, (v) => hostMatch(v, authority))) return false;
  }
  // Header matcher on :method (matcher/header.go HeaderMatcher): `*` means present, which a request always is.
  if (methods === 'evaluate' && !field(o.methods, o.notMethods, (v) => stringMatch(v, ctx.http!.method))) return false;
  if (paths === 'evaluate') {
    const path = ctx.http!.path.replace(/[?#].*$/, ''); // Envoy's path matcher ignores the query and fragment
    const test = (v: string) => (/[{}]/.test(v) ? unmodelled(ctx, `path template "${v}"`) : stringMatch(v, path));
    if (!field(o.paths, o.notPaths, test)) return false;
  }
  return true;
}

function conditionMatches(ctx: Ctx, c: Condition): boolean {
  const sa = identity.serviceAccount(ctx.policy.metadata.namespace);
  const tests: Record<string, (v: string) => boolean> = {
    'source.principal': (v) => identity.principal(v, ctx.principal),
    'source.namespace': (v) => identity.namespace(v, ctx.principal),
    'source.serviceAccount': (v) => sa(v, ctx.principal),
    'destination.port': (v) => portValue(ctx, v) === ctx.port,
  };
  const test = tests[c.key];
  if (test) return field(c.values, c.notValues, test);
  if (isHttpOnlyKey(c.key) && httpOnly(ctx, c.key, true) === 'ignore') return true;
  if (c.key.startsWith('request.auth.')) return field(c.values, c.notValues, (v) => authConditionMatches(ctx.policy, c.key, v, ctx.jwt));
  return unmodelled(ctx, `condition ${c.key}`);
}

function ruleMatches(ctx: Ctx, r: Rule): boolean {
  try {
    // Every part is evaluated (no short circuit): istiod translates the whole rule, and one HTTP-only
    // field on TCP drops an ALLOW rule wherever it sits.
    const froms = (r.from ?? []).map((f) => sourceMatches(ctx, f.source ?? {}));
    const tos = (r.to ?? []).map((t) => operationMatches(ctx, t.operation ?? {}));
    const whens = (r.when ?? []).map((c) => conditionMatches(ctx, c));
    const from = froms.length === 0 || froms.some(Boolean);
    const to = tos.length === 0 || tos.some(Boolean);
    const when = whens.every(Boolean);
    return from && to && when;
  } catch (e) {
    if (e instanceof RuleDropped) return false;
    throw e;
  }
}

/** The first rule of a policy matching the request, as `namespace/name[index]`. */
export function matchingRule(ctx: Ctx): string | undefined {
  const rules = ctx.policy.spec?.rules ?? [];
  const i = rules.findIndex((r) => ruleMatches(ctx, r ?? {}));
  return i < 0 ? undefined : `${id(ctx.policy.metadata)}[${i}]`;
}
