// `meshobs validate`'s server dry-run: the bundle's base kustomization against a real kube-apiserver
// shaped like the cluster the profile describes (the namespaces the bundle expects to exist, and the
// CRDs of exactly the custom resources it applies). The server decides, not our schemas: unknown
// fields (strict field validation), enums, CEL rules, name limits, missing CRDs.
//
// Optional: when kube-apiserver is not found the check is skipped (it needs a Kubernetes release's
// kube-apiserver, etcd and kubectl, TOOL_SOURCES). Once kube-apiserver is there, etcd, kubectl and the CRDs must be
// too, or the check is "missing" like any other validator whose tool is absent.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kialiCrdSchema } from '@meshobs/kiali';
import { type ComponentBundle, type KubeObject, objectToYaml, overlayOf } from '@meshobs/kube';
import { stringify } from 'yaml';
import { type ApiServer, type ApiServerTools, startApiServer } from './apiserver.ts';
import { missingTool, TOOL_SOURCES } from './tool-sources.ts';
import { findTool } from './tools.ts';
import type { Verdict } from './validators.ts';

export const SERVER_DRY_RUN = 'server dry-run';

/**
 * Where the CRD manifests are: $MESHOBS_CRDS_DIR, else the `crds` folder beside the tool folder
 * kube-apiserver was found in (scripts/install-tools.sh links .tools/bin and .tools/crds/<source>/).
 */
export function crdsDir(kubeApiserver: string): string {
  return process.env.MESHOBS_CRDS_DIR ?? join(dirname(dirname(kubeApiserver)), 'crds');
}

export type ClusterTools = { ok: true; tools: ApiServerTools; crds: string } | { ok: false; verdict: Verdict };

/** The programs and CRDs the server dry-run needs, or the verdict that says what is not there. */
export function findClusterTools(): ClusterTools {
  const kubeApiserver = findTool('kube-apiserver');
  if (!kubeApiserver)
    return {
      ok: false,
      verdict: {
        validator: SERVER_DRY_RUN,
        status: 'skipped',
        detail: `kube-apiserver not found (optional: with kube-apiserver from ${TOOL_SOURCES['kube-apiserver']}, etcd and kubectl, validate also runs a server-side dry run)`,
      },
    };
  const etcd = findTool('etcd');
  const kubectl = findTool('kubectl');
  for (const [tool, path] of [
    ['etcd', etcd],
    ['kubectl', kubectl],
  ] as const)
    if (!path) return { ok: false, verdict: missingTool(SERVER_DRY_RUN, tool, `kube-apiserver is installed but ${tool} is not`) };
  const crds = crdsDir(kubeApiserver);
  if (!existsSync(crds) || !statSync(crds).isDirectory())
    return { ok: false, verdict: missingTool(SERVER_DRY_RUN, 'crds', `no CRD folder at ${crds}`) };
  return { ok: true, tools: { etcd: etcd!, kubeApiserver, kubectl: kubectl! }, crds };
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
/** Custom resources: groups with a dot that Kubernetes itself does not serve (*.k8s.io are built in). */
const isCustom = (o: KubeObject) => {
  const g = groupOf(o.apiVersion);
  return g.includes('.') && !g.endsWith('.k8s.io');
};
const gk = (group: string, kind: string) => `${kind}.${group}`;

export interface CrdDoc {
  source: string;
  group: string;
  kind: string;
  text: string;
}

/**
 * Every CRD under `dir/<source>/*.yaml`, indexed by kind.group. Found by text, not parsed: the
 * manifests are megabytes of schema, and kubectl reads them anyway (`spec.group` and `spec.names.kind`
 * sit at fixed indentation in both the Istio and prometheus-operator generated files).
 */
export function indexCrds(dir: string): Map<string, CrdDoc> {
  const index = new Map<string, CrdDoc>();
  for (const source of readdirSync(dir).sort()) {
    const sub = join(dir, source);
    if (!statSync(sub).isDirectory()) continue;
    for (const file of readdirSync(sub)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      for (const text of readFileSync(join(sub, file), 'utf8').split(/^---\s*$/m)) {
        if (!/^kind: CustomResourceDefinition$/m.test(text)) continue;
        const group = /^ {2}group: (\S+)$/m.exec(text)?.[1];
        const kind = /^ {4}kind: (\S+)$/m.exec(text)?.[1];
        if (group && kind) index.set(gk(group, kind), { source, group, kind, text });
      }
    }
  }
  return index;
}

export interface CrdSpec {
  group: string;
  kind: string;
  version: string;
  namespaced: boolean;
  /** openAPIV3Schema; a schemaless one (every field kept) when omitted. */
  schema?: Record<string, unknown>;
}

/** A CustomResourceDefinition (plural: the lower-case kind + "s") serving one version. */
export function crdYaml(c: CrdSpec): string {
  const plural = `${c.kind.toLowerCase()}s`;
  const schema = c.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${c.group}` },
    spec: {
      group: c.group,
      names: { kind: c.kind, listKind: `${c.kind}List`, plural, singular: c.kind.toLowerCase() },
      scope: c.namespaced ? 'Namespaced' : 'Cluster',
      versions: [{ name: c.version, served: true, storage: true, schema: { openAPIV3Schema: schema }, subresources: { status: {} } }],
    },
  });
}

/**
 * CRDs no manifest folder holds but meshobs carries the schema of: the Kiali CRD's openAPIV3Schema
 * vendored in packages/kiali (KIALI_CRD_SOURCE), as the kiali-operator installs it.
 */
const BUILT_IN_SCHEMAS: Record<string, () => Record<string, unknown>> = {
  [gk('kiali.io', 'Kiali')]: kialiCrdSchema,
};

function crdFor(o: KubeObject): { text: string; schemaless: boolean } {
  const group = groupOf(o.apiVersion);
  const schema = BUILT_IN_SCHEMAS[gk(group, o.kind)]?.();
  const text = crdYaml({ group, kind: o.kind, version: o.apiVersion.split('/')[1]!, namespaced: !!o.metadata.namespace, schema });
  return { text, schemaless: !schema };
}

/** Namespaces a fresh API server has. */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/**
 * Makes the server look like the target cluster: the namespaces the objects live in (the bundle's own
 * Namespace objects as written, the others as the cluster already has them) and the CRDs of the
 * custom kinds they use. Returns what it installed, for the verdict.
 */
export function prepareCluster(api: ApiServer, objects: KubeObject[], crds: Map<string, CrdDoc>): { crds: string[]; standIns: string[] } {
  const own = objects.filter((o) => o.kind === 'Namespace');
  const ownNames = new Set(own.map((o) => o.metadata.name));
  const foreign = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))]
    .filter((n) => !ownNames.has(n) && !BUILT_IN_NAMESPACES.has(n))
    .sort();
  const nsDocs = [
    ...own.map(objectToYaml),
    ...foreign.map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  ];
  // A dry run creates nothing, so objects in a namespace the bundle creates would fail with "namespace
  // not found": the namespaces are created for real first.
  if (nsDocs.length) api.kubectl(['apply', '--server-side', '--field-manager=meshobs', '-f', '-'], nsDocs.map((d) => `---\n${d}`).join(''));
  const byKind = new Map<string, KubeObject>();
  for (const o of objects.filter(isCustom)) byKind.set(gk(groupOf(o.apiVersion), o.kind), o);
  const docs: string[] = [];
  const installed: string[] = [];
  const standIns: string[] = [];
  for (const [key, sample] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const crd = crds.get(key);
    if (crd) {
      docs.push(crd.text);
      installed.push(`${crd.source}/${crd.kind}`);
    } else {
      const made = crdFor(sample);
      docs.push(made.text);
      if (made.schemaless) standIns.push(sample.kind);
      else installed.push(`meshobs/${sample.kind}`);
    }
  }
  if (docs.length) {
    // create, not apply: server-side apply of megabytes of schema spends seconds on managed fields.
    api.kubectl(['create', '-f', '-'], docs.map((d) => `---\n${d.replace(/^\n+/, '')}`).join('\n'));
    api.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  }
  return { crds: installed, standIns };
}

/** The objects `kubectl apply -k <bundle>` applies: every object not moved to an opt-in overlay. */
export const baseObjects = (components: ComponentBundle[]) => components.flatMap((c) => c.objects).filter((o) => !overlayOf(o));

/** What kubectl printed to stderr, one line each: refusals (`Error from server (...): ...`) or server warnings (`Warning: ...`). */
function refusals(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * Starts a throwaway API server in `scratch`, prepares it for the profile, dry-runs the base
 * kustomization server-side and stops it again (also when something throws).
 */
export async function serverDryRun(bundleDir: string, components: ComponentBundle[], scratch: string): Promise<Verdict> {
  const found = findClusterTools();
  if (!found.ok) return found.verdict;
  const started = performance.now();
  const objects = baseObjects(components);
  let api: ApiServer;
  try {
    api = await startApiServer(found.tools, { dir: join(scratch, 'apiserver') });
  } catch (e) {
    return {
      validator: SERVER_DRY_RUN,
      status: 'fail',
      detail: `the throwaway API server did not start\n${(e as Error).message.split('\n').slice(-15).join('\n')}`,
    };
  }
  try {
    let prepared: { crds: string[]; standIns: string[] };
    try {
      prepared = prepareCluster(api, objects, indexCrds(found.crds));
    } catch (e) {
      return {
        validator: SERVER_DRY_RUN,
        status: 'fail',
        detail: `preparing the API server for the profile failed (namespaces, CRDs)\n${(e as Error).message.split('\n').slice(-15).join('\n')}`,
      };
    }
    const { crds, standIns } = prepared;
    const r = api.kubectlResult(['apply', '--server-side', '--field-manager=meshobs', '--dry-run=server', '-k', bundleDir]);
    const admitted = r.stdout.split('\n').filter((l) => /\(server dry run\)/.test(l)).length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const lines = refusals(r.stderr);
    if (r.code !== 0)
      return {
        validator: SERVER_DRY_RUN,
        status: 'fail',
        detail: [`kube-apiserver refused the bundle (${lines.length} messages)`, ...lines].join('\n'),
      };
    const notes = [`CRDs installed: ${crds.length ? crds.join(', ') : 'none'}`];
    if (standIns.length) notes.push(`no CRD manifest here for ${standIns.join(', ')}: checked against a schemaless stand-in`);
    const summary = `${admitted} objects admitted by a throwaway kube-apiserver (server-side apply, dry run) in ${seconds} s`;
    // Admitted, but the server warned (e.g. a workload name longer than a DNS label): shown in full, not a failure.
    if (lines.length)
      return {
        validator: SERVER_DRY_RUN,
        status: 'warn',
        detail: [`${summary}, with ${lines.length} server warnings`, ...lines, ...notes].join('\n'),
      };
    return { validator: SERVER_DRY_RUN, status: 'pass', detail: `${summary}\n${notes.join('\n')}` };
  } finally {
    await api.stop();
  }
}
