// The UIs' sign-in, run: upstream Envoy 1.40 with the two filters istiod generates for the bundle on the
// ingress gateway's HTTPS connection manager (fixtures/istiod-sign-in.json, recorded and kept current by
// the cluster tier's istiod test: the RBAC filter whose shadow rules mark the UI hosts, and the ext_authz
// filter that calls the provider for marked requests only) in front of a real oauth2-proxy run with the
// flags docs/edge-ingress.md asks for. What Istio's own proxy would add around them (mTLS, the stats and
// metadata-exchange filters, the SDS certificate) is left out, and the listener is plain HTTP on loopback:
// the TLS settings are the cluster tier's (istiod.cluster.test.ts) and the handshake Envoy's.
//
// What it proves, on the real programs:
// - a UI host, as browsers send it (any case, with a port), gets oauth2-proxy's sign-in answer and never
//   the UI without a session; a host that is not a UI's passes without one;
// - the sign-in's own answers reach the browser through the deny path: the 302 to the identity provider
//   with its Location and the CSRF Set-Cookie;
// - with a session (oauth2-proxy's cookie, or its htpasswd users' basic credentials) the request reaches
//   the UI, which is told who signed in (x-auth-request-user, from headersToUpstreamOnAllow);
// - oauth2-proxy's own auth endpoint answers 401 without a session and 202 with one;
// - when oauth2-proxy is down, Envoy refuses (ext_authz fails closed);
// - can fail: with the marking rules of one host dropped, the other UI is served without sign-in.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort, missingTools, type Proc, requireTool, startProcess, stopAll, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Envoy, httpListener, localCluster, SIGN_IN_FIXTURE, startEnvoy } from './envoy-kit.ts';

type Any = any;

const fixture = JSON.parse(readFileSync(SIGN_IN_FIXTURE, 'utf8')) as { uiHosts: string[]; filters: Any[] };
const [rbacFilter, extAuthzFilter] = fixture.filters as [Any, Any];
/** The provider's cluster, as istiod named it in the ext_authz filter. */
const PROVIDER_CLUSTER: string = extAuthzFilter.typedConfig.httpService.serverUri.cluster;
/** What the UI answers (Envoy's direct response stands for it), and the header that tells who signed in. */
const UI_BODY = 'the ui itself';
const SAW_USER = 'x-ui-saw-user';
const USER = 'ops';
const PASSWORD = randomBytes(12).toString('hex');
/** A host that is not a UI's (the demo's hosts are any others on the edge Gateway). */
const OTHER_HOST = 'shop.example.org';

const skip = missingTools('envoy', 'oauth2-proxy');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One plain HTTP/1.1 request with the Host header given (fetch does not let a client set it). */
function send(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host, ...headers }, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${port} ${host}${path} within 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** oauth2-proxy as docs/edge-ingress.md runs it behind Envoy's ext_authz, with an htpasswd user for the test. */
async function startOauth2Proxy(): Promise<{ proc: Proc; port: number }> {
  const dir = tempDir('oauth2-proxy');
  const htpasswd = join(dir, 'htpasswd');
  // oauth2-proxy reads SHA-1 ({SHA}) and bcrypt htpasswd entries (pkg/authentication/basic/htpasswd.go).
  writeFileSync(htpasswd, `${USER}:{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}\n`);
  const port = await freePort();
  const proc = await startProcess(
    'oauth2-proxy',
    requireTool('oauth2-proxy'),
    [
      `--http-address=127.0.0.1:${port}`,
      // 200 for a signed-in user: the only answer Envoy's HTTP ext_authz lets through.
      '--upstream=static://200',
      '--reverse-proxy',
      '--set-xauthrequest',
      `--htpasswd-file=${htpasswd}`,
      '--email-domain=*',
      // The identity provider is never reached: the test signs in with the htpasswd user, and follows the
      // start of the provider's flow only up to its redirect.
      '--provider=google',
      '--client-id=meshobs-e2e',
      '--client-secret=unused',
      `--cookie-secret=${randomBytes(16).toString('hex')}`,
    ],
    { readyUrl: `http://127.0.0.1:${port}/ping`, timeoutMs: 60_000 },
  );
  return { proc, port };
}

/** Envoy with the sign-in filters (as given) before the router; every host answered by a direct response. */
async function startGateway(name: string, filters: Any[], providerPort: number): Promise<{ envoy: Envoy; port: number }> {
  const port = await freePort();
  const envoy = await startEnvoy(name, {
    listeners: [
      httpListener('gateway_https', port, {
        statPrefix: 'outbound_0.0.0.0_443',
        httpFilters: [
          ...filters,
          {
            name: 'envoy.filters.http.router',
            typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
          },
        ],
        routeConfig: {
          virtualHosts: [
            {
              name: 'every-host',
              domains: ['*'],
              routes: [{ match: { prefix: '/' }, directResponse: { status: 200, body: { inlineString: UI_BODY } } }],
              responseHeadersToAdd: [{ header: { key: SAW_USER, value: '%REQ(x-auth-request-user)%' } }],
            },
          ],
        },
      }),
    ],
    clusters: [localCluster({ name: PROVIDER_CLUSTER, connectTimeout: '2s' }, [providerPort])],
  });
  return { envoy, port };
}

/** Problems of a gateway that must refuse every UI host (in each form a client may write it) without a session. */
async function openUiHosts(port: number): Promise<string[]> {
  const out: string[] = [];
  for (const host of fixture.uiHosts)
    for (const as of [host, host.toUpperCase(), `${host}:443`]) {
      const a = await send(port, as, '/search');
      if (a.status === 200 || a.body.includes(UI_BODY)) out.push(`${as}: served without sign-in (${a.status})`);
    }
  return out;
}

describe.skipIf(skip)("the UIs' sign-in: istiod's ext_authz filters in upstream Envoy, in front of a real oauth2-proxy", () => {
  let provider: { proc: Proc; port: number };
  let gateway: { envoy: Envoy; port: number };

  beforeAll(async () => {
    provider = await startOauth2Proxy();
    gateway = await startGateway('envoy-sign-in', fixture.filters, provider.port);
  });
  afterAll(async () => {
    await stopAll();
  });

  it("oauth2-proxy's auth endpoint: 401 without a session, 202 with one", async () => {
    const p = provider.port;
    expect((await send(p, 'jaeger.example.com', '/oauth2/auth')).status).toBe(401);
    const cookie = await signIn(p);
    const a = await send(p, 'jaeger.example.com', '/oauth2/auth', { cookie });
    expect(a.status).toBe(202);
    expect(a.headers['x-auth-request-user']).toBe(USER);
  });

  it('a UI host without a session gets the sign-in, never the UI; a host that is not a UI passes', async () => {
    expect(await openUiHosts(gateway.port)).toEqual([]);
    const [host] = fixture.uiHosts;
    const a = await send(gateway.port, host!, '/search');
    // oauth2-proxy's sign-in page (403 while the user has not chosen to sign in), passed to the browser.
    expect(a.status).toBe(403);
    expect(a.body).toMatch(/Sign in with/);
    const other = await send(gateway.port, OTHER_HOST, '/');
    expect([other.status, other.body]).toEqual([200, UI_BODY]);
  });

  it("the start of the identity provider's flow reaches the browser through the deny: 302, Location, the CSRF cookie", async () => {
    const [host] = fixture.uiHosts;
    const a = await send(gateway.port, host!, '/oauth2/start?rd=%2Fsearch', { 'x-forwarded-proto': 'https' });
    expect(a.status).toBe(302);
    expect(String(a.headers.location)).toMatch(/^https:\/\/accounts\.google\.com\/.*client_id=meshobs-e2e/);
    expect(String(a.headers['set-cookie'])).toMatch(/_oauth2_proxy_csrf/);
    expect(a.body).not.toContain(UI_BODY);
  });

  it('with a session the UI is served and told who signed in: the session cookie, or basic credentials of an htpasswd user', async () => {
    const cookie = await signIn(provider.port);
    for (const host of fixture.uiHosts) {
      const withCookie = await send(gateway.port, host, '/search', { cookie });
      expect([host, withCookie.status, withCookie.body, withCookie.headers[SAW_USER]]).toEqual([host, 200, UI_BODY, USER]);
    }
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const withBasic = await send(gateway.port, fixture.uiHosts[0]!, '/search', { authorization: basic });
    expect([withBasic.status, withBasic.body, withBasic.headers[SAW_USER]]).toEqual([200, UI_BODY, USER]);
    const wrong = `Basic ${Buffer.from(`${USER}:not-the-password`).toString('base64')}`;
    expect((await send(gateway.port, fixture.uiHosts[0]!, '/search', { authorization: wrong })).body).not.toContain(UI_BODY);
  });

  it('can fail: with the marking rules of one UI host dropped, that UI is served without sign-in', async () => {
    const [kept, ...dropped] = fixture.uiHosts;
    expect(dropped.length, 'the default bundle exposes at least two UIs').toBeGreaterThan(0);
    const rbac = structuredClone(rbacFilter);
    for (const policy of Object.values(rbac.typedConfig.shadowRules.policies) as Any[]) {
      const [hosts] = policy.permissions[0].andRules.rules;
      hosts.orRules.rules = hosts.orRules.rules.filter(
        (r: Any) => r.header.stringMatch.exact === kept || r.header.stringMatch.prefix === `${kept}:`,
      );
    }
    const mutated = await startGateway('envoy-sign-in-mutated', [rbac, extAuthzFilter], provider.port);
    try {
      const open = await openUiHosts(mutated.port);
      expect(open.length).toBeGreaterThan(0);
      expect(open.every((p) => dropped.some((h) => p.toLowerCase().startsWith(h)))).toBe(true);
    } finally {
      await mutated.envoy.proc.stop();
    }
  });

  it('oauth2-proxy down: Envoy refuses the UI hosts (fails closed), the other hosts still pass', async () => {
    const closed = await freePort();
    const down = await startGateway('envoy-sign-in-down', fixture.filters, closed);
    try {
      expect(await openUiHosts(down.port)).toEqual([]);
      const a = await send(down.port, fixture.uiHosts[0]!, '/search');
      expect(a.status).toBe(403);
      expect((await send(down.port, OTHER_HOST, '/')).status).toBe(200);
    } finally {
      await down.envoy.proc.stop();
    }
  });
});

/** Signs the htpasswd user in on oauth2-proxy's form (POST /oauth2/sign_in); returns the session cookie. */
async function signIn(port: number): Promise<string> {
  const form = new URLSearchParams({ username: USER, password: PASSWORD, rd: '/' }).toString();
  const a = await send(
    port,
    'jaeger.example.com',
    '/oauth2/sign_in',
    { 'content-type': 'application/x-www-form-urlencoded' },
    'POST',
    form,
  );
  const cookies = ([] as string[]).concat(a.headers['set-cookie'] ?? []);
  const session = cookies.find((c) => c.startsWith('_oauth2_proxy='));
  if (a.status !== 302 || !session) throw new Error(`sign-in refused: ${a.status} ${cookies.join('; ')} ${a.body.slice(0, 200)}`);
  return session.split(';')[0]!;
}
