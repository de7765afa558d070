/** The common shape of every Kubernetes object the bundle emits (built-in or custom resource). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The key under which an object carries the comment written above it in its YAML file (withComment).
 * A symbol: the YAML and JSON serializers and the schema checks see only string keys, so the comment is
 * never part of the object's data, yet it travels with every spread or Object.assign copy.
 */
export const YAML_COMMENT: unique symbol = Symbol('meshobs.yamlComment');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [YAML_COMMENT]?: string;
  [field: string]: unknown;
}

/**
 * An object typed with its kubernetes-models interface (`IDeployment`, `IServiceMonitor`...) that is
 * also a bundle object: it has a name, and goes into a component's object list as it is.
 */
export type Manifest<T extends { apiVersion: string; kind: string; metadata?: unknown }> = T & KubeObject & { metadata: ObjectMeta };

/** A plain (non-Kubernetes) file of a component, e.g. alerts/rules.yml or otel-collector/config.yaml. */
export interface BundleFile {
  /** Path relative to the component's folder. */
  path: string;
  content: string;
}

/** What each component package returns: pure data, written to disk only by the CLI. */
export interface ComponentBundle {
  /** Folder name under the bundle root, e.g. "alerts". */
  name: string;
  /** Objects applied by `kubectl apply -k`; each becomes one YAML file in the component folder. */
  objects: KubeObject[];
  /** Plain files beside them (not part of the kustomization). */
  files: BundleFile[];
  /** Things the user should know at build time (e.g. an insecure choice they made explicitly). */
  warnings: string[];
}

export const component = (name: string, parts: Partial<Omit<ComponentBundle, 'name'>> = {}): ComponentBundle => ({
  name,
  objects: parts.objects ?? [],
  files: parts.files ?? [],
  warnings: parts.warnings ?? [],
});
