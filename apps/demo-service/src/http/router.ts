// A tiny method+path router: podinfo's route table needs nothing more than exact paths, one
// parameter segment and two path prefixes.
export interface Route<H> {
  methods: string[] | '*';
  /** "/status/{code}" (one parameter segment) or "/echo/*" (prefix). */
  template: string;
  /** The `path` label of http_request_duration_seconds (podinfo's route names). */
  metricPath: string;
  handler: H;
}

export interface Match<H> {
  route: Route<H>;
  params: Record<string, string>;
}

export type Lookup<H> = { kind: 'found'; match: Match<H> } | { kind: 'method-not-allowed'; allow: string[] } | { kind: 'not-found' };

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  if (template.endsWith('/*')) return path.startsWith(template.slice(0, -1)) ? {} : undefined;
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (!g) return undefined;
      params[w.slice(1, -1)] = decodeURIComponent(g);
    } else if (w !== g) return undefined;
  }
  return params;
}

export function lookup<H>(routes: Route<H>[], method: string, path: string): Lookup<H> {
  const allow = new Set<string>();
  for (const route of routes) {
    let params: Record<string, string> | undefined;
    try {
      params = matchTemplate(route.template, path);
    } catch {
      params = undefined; // a malformed percent-encoding never matches
    }
    if (!params) continue;
    if (route.methods === '*' || route.methods.includes(method)) return { kind: 'found', match: { route, params } };
    for (const m of route.methods) allow.add(m);
  }
  return allow.size ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
}

/** podinfo's urlToLabel: "/api/info" -> "api_info", "/" -> "root". */
export function metricLabel(path: string): string {
  const label = path
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return label || 'root';
}
