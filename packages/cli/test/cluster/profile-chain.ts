// The bundle of each cluster profile against one real kube-apiserver + etcd, shaped like the cluster the
// profile describes: its namespaces (as an Istio + kube-prometheus-stack install leaves them) and the CRDs
// of the operators it runs. A chain starts with the fewest CRDs and adds operators' CRDs step by step, so
// every profile meets a cluster that has no CRD it does not declare. Between profiles the cluster is put
// back as it was: what `kubectl delete -k` leaves Terminating is finalized as the namespace controller
// (not running here) would, and the opt-in labels are taken off again.
// What this proves: the server admits every object (unknown fields, enums, CEL rules, immutable fields,
// missing CRDs, name limits), applies are idempotent, and deletes leave what existed before.
// What it does not: no controller, scheduler or kubelet runs, so nothing is reconciled or started.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiServer,
  addCrds,
  buildBundle,
  PREEXISTING_NAMESPACES,
  renderedObjects,
  runScript,
  startClusterLike,
} from './cluster-kit.ts';
import { KubeClient, type KubeObject } from './kube-client.ts';

export interface ProfileCase {
  name: string;
  /** Config sections that select the profile. */
  config: Record<string, unknown>;
  /** Kustomization (relative to the bundle) the user applies on this cluster. */
  apply: string;
  /** Kinds (or Kind/name) that must be in what is applied, and those that must not. */
  kinds: { present: string[]; absent: string[] };
}

export interface ChainStep {
  /** What the cluster runs from this step on, e.g. "+ the kiali-operator". */
  cluster: string;
  /** CRD manifests added to the cluster at this step. */
  crds: (scratch: string) => string[];
  profiles: ProfileCase[];
}

const skip = missingTools('etcd', 'kube-apiserver', 'kubectl');

const injectionLabel = (api: ApiServer, ns: string) =>
  (JSON.parse(api.kubectl(['get', 'namespace', ns, '-o', 'json'])) as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[
    'istio-injection'
  ];

function describeProfile(ctx: { api: () => ApiServer; client: () => KubeClient }, profile: ProfileCase): void {
  describe(`profile ${profile.name}`, () => {
    let bundle: string;
    let target: string;
    let objects: KubeObject[];
    let script: string;
    /** The namespaces the script creates when missing (the trace pipeline's). */
    let created: string[];

    beforeAll(async () => {
      bundle = await buildBundle(profile.name, profile.config);
      target = join(bundle, profile.apply);
      objects = renderedObjects(ctx.api(), target) as KubeObject[];
      script = join(bundle, 'namespaces', 'label-existing-namespaces.sh');
      created = [...readFileSync(script, 'utf8').matchAll(/^LABELS='[^']*' create_and_label (\S+) /gm)].map((m) => m[1]!);
    });
    afterAll(async () => {
      // The cluster as it was before this profile, for the next one: the bundle's namespaces and the one
      // the script created are finalized as the namespace controller would, the labels taken off.
      const client = ctx.client();
      for (const ns of created ?? []) await client.request('DELETE', `/api/v1/namespaces/${ns}`);
      for (const ns of [...(objects?.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name) ?? []), ...(created ?? [])])
        await client.finalizeNamespace(ns);
      for (const ns of PREEXISTING_NAMESPACES) {
        const patch = { metadata: { labels: { 'istio-injection': null } } };
        const r = await client.request('PATCH', `/api/v1/namespaces/${ns}`, patch, 'application/merge-patch+json');
        if (r.status !== 200) throw new Error(`unlabel namespace ${ns}: ${r.status}`);
      }
    });

    it('contains only what this cluster can accept, and no namespace it does not own', () => {
      const ids = objects.flatMap((o) => [o.kind, `${o.kind}/${o.metadata.name}`]);
      for (const k of profile.kinds.present) expect(ids, `${k} missing`).toContain(k);
      for (const k of profile.kinds.absent) expect(ids, `${k} must not be applied`).not.toContain(k);
    });

    it('runs the namespace script first: it creates the trace pipeline namespace and labels the existing ones', () => {
      expect(existsSync(script)).toBe(true);
      expect(created).toEqual(['observability']);
      expect(ctx.api().kubectlResult(['get', 'namespace', 'observability']).code, 'observability exists before the script').not.toBe(0);
      expect(injectionLabel(ctx.api(), 'default')).toBeUndefined();
      runScript(ctx.api(), script);
      expect(injectionLabel(ctx.api(), 'observability')).toBe('enabled');
      expect(injectionLabel(ctx.api(), 'default')).toBe('enabled');
      expect(injectionLabel(ctx.api(), 'monitoring')).toBe('disabled');
    });

    it('passes `kubectl apply --server-side --dry-run=server -k`', async () => {
      // A dry run creates nothing, so objects inside a namespace the bundle itself creates would fail
      // with "namespace not found": the bundle's own Namespace objects are applied for real first.
      const own = await ctx.client().apply(objects.filter((o) => o.kind === 'Namespace'));
      expect(own.filter((r) => r.error)).toEqual([]);
      const r = ctx.api().kubectlResult(['apply', '--server-side', '--field-manager=meshobs', '--dry-run=server', '-k', target]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });

    it('applies, and a second apply changes nothing', async () => {
      // Applied through kube-client.ts: the same server-side apply request per object as
      // `kubectl apply --server-side -k` (whose client side the dry run above already ran on this bundle).
      const first = await ctx.client().apply(objects);
      expect(first.filter((r) => r.error || r.warnings.length)).toEqual([]);
      expect(first.filter((r) => r.status === 201)).toHaveLength(objects.length - objects.filter((o) => o.kind === 'Namespace').length);
      // An unchanged resourceVersion means the server stored nothing new, which is what a no-op is.
      const second = await ctx.client().apply(objects);
      expect(second.filter((r) => r.error || r.warnings.length)).toEqual([]);
      expect(second.filter((r, i) => r.resourceVersion !== first[i]!.resourceVersion).map((r) => r.id)).toEqual([]);
    });

    it('`kubectl delete -k` removes every object it applied and no namespace the cluster had before', async () => {
      // No namespace controller runs here, so a deleted namespace stays Terminating: do not wait for it.
      ctx.api().kubectl(['delete', '-k', target, '--wait=false']);
      const left = await ctx.client().get(objects.filter((o) => o.kind !== 'Namespace'));
      expect(left.filter(Boolean).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      const namespaces = JSON.parse(ctx.api().kubectl(['get', 'namespaces', '-o', 'json'])) as {
        items: Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
      };
      // The trace pipeline's namespace stays too: it holds what the user created (the search engine's Secrets).
      for (const ns of [...PREEXISTING_NAMESPACES, ...created]) {
        const obj = namespaces.items.find((n) => n.metadata.name === ns);
        expect(obj, `namespace ${ns} is gone`).toBeDefined();
        expect(obj?.metadata.deletionTimestamp, `namespace ${ns} is being deleted`).toBeUndefined();
      }
      const terminating = namespaces.items
        .filter((n) => n.metadata.deletionTimestamp)
        .map((n) => n.metadata.name)
        .sort();
      expect(terminating).toEqual(
        objects
          .filter((o) => o.kind === 'Namespace')
          .map((o) => o.metadata.name)
          .sort(),
      );
    });
  });
}

/** One API server for the chain, CRDs added step by step, one `describe` per profile. */
export function describeProfileChain(title: string, steps: ChainStep[]): void {
  describe.skipIf(skip)(title, () => {
    let api: ApiServer;
    let client: KubeClient;
    const ctx = { api: () => api, client: () => client };
    beforeAll(async () => {
      api = await startClusterLike([]);
      client = new KubeClient(api);
    });
    afterAll(async () => {
      client?.close();
      await api?.stop();
    });

    for (const step of steps) {
      describe(step.cluster, () => {
        beforeAll(async () => {
          addCrds(api, step.crds(tempDir('crds')));
          await client.discover();
        });
        for (const profile of step.profiles) describeProfile(ctx, profile);
      });
    }
  });
}
