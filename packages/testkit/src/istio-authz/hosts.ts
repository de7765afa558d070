// operation.hosts / notHosts on an HTTP request (the "Matching" point of istio-authz.ts): istiod renders
// each value as an Envoy header matcher on `:authority` (istio/istio pilot/pkg/security/authz/model/
// model.go `hostHeader = ":authority"`, generator.go hostGenerator, matcher/header.go HostMatcher at the
// pinned commit eed52ebb66ad): `*` = the header is present, `*x` suffix, `x*` prefix, else exact, and the
// last three ignore case (matcher/string.go StringMatcherSuffix/Prefix/Exact with ignoreCase true).
// :authority is compared as the client sent it: `jaeger.example.com:443` does not equal
// `jaeger.example.com`, which is why a policy lists `host` and `host:*`.

/** Whether one `hosts` value of a policy matches the request's :authority. */
export function hostMatch(pattern: string, authority: string): boolean {
  if (pattern === '*') return true; // present: every HTTP/1.1 and HTTP/2 request carries one
  const a = authority.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*')) return a.endsWith(p.slice(1));
  if (p.endsWith('*')) return a.startsWith(p.slice(0, -1));
  return a === p;
}
