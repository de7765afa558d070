// A small REST client for the throwaway API server: the same server-side apply, delete and finalize
// requests kubectl sends, without kubectl's per-run cost (it fetches and parses the OpenAPI v3 document
// of every group-version it touches, ~3 s per run with kube-prometheus-stack's CRDs). The tier still runs
// the user's kubectl commands where the command itself is under test; this carries the bulk requests.
// The API server decides every outcome here, as it does for kubectl.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';
import type { ApiServer } from '../../src/apiserver.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Reply {
  status: number;
  /** The `Warning` headers, as kubectl prints them (`Warning: <text>`). */
  warnings: string[];
  body: any;
}

export interface ApplyResult {
  /** kind/namespace/name of the object. */
  id: string;
  status: number;
  warnings: string[];
  /** The server's message when it refused the object. */
  error?: string;
  resourceVersion?: string;
}

interface Mapping {
  plural: string;
  namespaced: boolean;
}

const idOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `299 - "text"` (RFC 7234 warn-code, agent, quoted text), one or more per header, as the API server sends them. */
function warningTexts(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.flatMap((v) => [...v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => `Warning: ${m[1]!.replace(/\\(.)/g, '$1')}`));
}

export class KubeClient {
  readonly #url: string;
  readonly #token: string;
  readonly #agent: Agent;
  #mappings = new Map<string, Mapping>();

  constructor(api: ApiServer, concurrency = 4) {
    const config = parse(readFileSync(api.kubeconfig, 'utf8')) as {
      clusters: Array<{ cluster: { server: string; 'certificate-authority': string } }>;
      users: Array<{ user: { token: string } }>;
    };
    this.#url = config.clusters[0]!.cluster.server;
    this.#token = config.users[0]!.user.token;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: concurrency,
      ca: readFileSync(config.clusters[0]!.cluster['certificate-authority']),
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.#url}${path}`,
        {
          method,
          agent: this.#agent,
          timeout: 60_000,
          headers: { Authorization: `Bearer ${this.#token}`, Accept: 'application/json', 'Content-Type': contentType },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {}
            resolve({ status: res.statusCode ?? 0, warnings: warningTexts(res.headers.warning), body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async #json(path: string): Promise<any> {
    const r = await this.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Reads the server's resource lists again (after CRDs are added). */
  async discover(): Promise<void> {
    const lists: Array<{ groupVersion: string; resources: Array<{ name: string; kind: string; namespaced: boolean }> }> = [
      await this.#json('/api/v1'),
    ];
    const groups = (await this.#json('/apis')) as { groups: Array<{ versions: Array<{ groupVersion: string }> }> };
    const gvs = groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
    lists.push(...(await Promise.all(gvs.map((gv) => this.#json(`/apis/${gv}`)))));
    this.#mappings = new Map(
      lists.flatMap((l) =>
        l.resources
          .filter((r) => !r.name.includes('/'))
          .map((r) => [`${l.groupVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced }]),
      ),
    );
  }

  /** The object's REST path, from discovery: `/apis/<gv>[/namespaces/<ns>]/<plural>/<name>`. */
  pathOf(o: KubeObject): string {
    const m = this.#mappings.get(`${o.apiVersion}/${o.kind}`);
    if (!m) throw new Error(`the server does not serve ${o.apiVersion} ${o.kind} (no CRD?)`);
    const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = m.namespaced ? `/namespaces/${o.metadata.namespace ?? 'default'}` : '';
    return `${base}${ns}/${m.plural}/${encodeURIComponent(o.metadata.name)}`;
  }

  /** Runs `task` over `items` with at most as many in flight as the agent has sockets; results in input order. */
  async #each<T, R>(items: T[], task: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(this.#agent.maxSockets, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]!);
      }
    });
    await Promise.all(workers);
    return out;
  }

  /**
   * Server-side apply of each object, as `kubectl apply --server-side --field-manager=<manager>` sends it
   * (strict field validation, no force), optionally as a dry run.
   */
  apply(objects: KubeObject[], opts: { fieldManager?: string; dryRun?: boolean } = {}): Promise<ApplyResult[]> {
    const query = `fieldManager=${opts.fieldManager ?? 'meshobs'}&fieldValidation=Strict&force=false${opts.dryRun ? '&dryRun=All' : ''}`;
    return this.#each(objects, async (o) => {
      const r = await this.request('PATCH', `${this.pathOf(o)}?${query}`, o, 'application/apply-patch+yaml');
      const ok = r.status === 200 || r.status === 201;
      return {
        id: idOf(o),
        status: r.status,
        warnings: r.warnings,
        ...(ok ? { resourceVersion: r.body?.metadata?.resourceVersion } : { error: r.body?.message ?? String(r.body) }),
      };
    });
  }

  /** GET of each object; undefined for the ones the server does not have. */
  get(objects: KubeObject[]): Promise<Array<any | undefined>> {
    return this.#each(objects, async (o) => {
      const r = await this.request('GET', this.pathOf(o));
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new Error(`GET ${idOf(o)}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    });
  }

  /**
   * What the namespace controller (not running here) does for a deleted namespace once it is empty:
   * clear `spec.finalizers` through the finalize subresource, after which the API server removes it.
   * Fails if the namespace still holds any object of a namespaced kind the tests create.
   */
  async finalizeNamespace(name: string): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(name)}`;
    const ns = await this.request('GET', path);
    if (ns.status === 404) return;
    const r = await this.request('PUT', `${path}/finalize`, { ...ns.body, spec: { finalizers: [] } });
    if (r.status !== 200) throw new Error(`finalize namespace ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    const gone = await this.request('GET', path);
    if (gone.status !== 404) throw new Error(`namespace ${name} still there after finalize: ${JSON.stringify(gone.body?.status)}`);
  }
}
