// Schema validation of every object the bundle emits, against the OpenAPI schemas that
// kubernetes-models generates from Kubernetes itself and from each operator's CRDs.
import type { KubeObject } from './types.ts';

/** npm package holding the generated models of an API group. */
const PACKAGE_OF_GROUP: Array<[RegExp, string]> = [
  [/^monitoring\.coreos\.com$/, '@kubernetes-models/prometheus-operator'],
  [/^[a-z]+\.istio\.io$/, '@kubernetes-models/istio'],
  [/^grafana\.integreatly\.org$/, '@kubernetes-models/grafana-operator'],
  [/^opentelemetry\.io$/, '@kubernetes-models/opentelemetry-operator'],
  [/^cert-manager\.io$/, '@kubernetes-models/cert-manager'],
  [/^([a-z0-9.-]*\.k8s\.io|apps|batch|autoscaling|policy|)$/, 'kubernetes-models'],
];

/**
 * The schema check of a kind no model package covers (e.g. a CRD schema checked with ajv), passed to
 * validateObjects by whoever knows which kinds the bundle holds (the CLI lists them beside its renderers).
 */
export interface KindValidator {
  apiVersion: string;
  kind: string;
  /** Throws with the reason when the object does not match. */
  validate(obj: KubeObject): void;
}

export function modelModuleFor(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGE_OF_GROUP.find(([re]) => re.test(group!))?.[1];
  if (!pkg) return undefined;
  return `${pkg}/${group ? `${group}/` : ''}${version}/${kind}`;
}

export interface ValidationFailure {
  object: string;
  error: string;
}

/**
 * Validates each object against its schema: the kind's validator in `kinds` when it has one, else its
 * kubernetes-models class. An object with no known schema is itself a failure.
 */
export async function validateObjects(objects: KubeObject[], kinds: readonly KindValidator[] = []): Promise<ValidationFailure[]> {
  const failures: ValidationFailure[] = [];
  for (const obj of objects) {
    const id = `${obj.apiVersion} ${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
    try {
      const own = kinds.find((k) => k.apiVersion === obj.apiVersion && k.kind === obj.kind);
      if (own) {
        own.validate(obj);
        continue;
      }
      const mod = modelModuleFor(obj.apiVersion, obj.kind);
      if (!mod) throw new Error('no schema known for this API group');
      let Model: new (data: unknown) => { validate(): void };
      try {
        Model = (await import(mod))[obj.kind];
      } catch {
        throw new Error(`no schema known for this kind (looked for ${mod})`);
      }
      new Model(obj).validate();
    } catch (e) {
      failures.push({ object: id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return failures;
}
