// Production posture of every workload a bundle emits: non-root, read-only root filesystem, no
// capabilities, seccomp, requests and limits, probes, PDB and anti-affinity when replicated, a
// NetworkPolicy, and no secret value anywhere (secrets are references only).
import type { ComponentBundle, KubeObject } from '@meshobs/kube';

export interface AuditViolation {
  component: string;
  workload: string;
  rule: string;
  detail: string;
}

// biome-ignore lint/suspicious/noExplicitAny: walks arbitrary rendered objects
type Json = Record<string, any>;

interface Workload {
  component: string;
  id: string;
  namespace: string;
  replicas: number;
  podLabels: Record<string, string>;
  pod: Json;
  /** Long-running (probes apply) as opposed to batch. */
  serving: boolean;
}

const POD_TEMPLATE_KINDS: Record<string, (o: Json) => Json | undefined> = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
};

const idOf = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function hpaMinReplicas(objects: KubeObject[], target: KubeObject): number | undefined {
  const hpa = objects.find(
    (o) =>
      o.kind === 'HorizontalPodAutoscaler' &&
      o.metadata.namespace === target.metadata.namespace &&
      (o as Json).spec?.scaleTargetRef?.kind === target.kind &&
      (o as Json).spec?.scaleTargetRef?.name === target.metadata.name,
  );
  return hpa ? ((hpa as Json).spec?.minReplicas ?? 1) : undefined;
}

/** Built-in workloads, plus the Kiali CR, whose Deployment the operator renders from the CR's fields. */
export function workloadsOf(components: ComponentBundle[]): Workload[] {
  const all = components.flatMap((c) => c.objects);
  const out: Workload[] = [];
  for (const c of components) {
    for (const o of c.objects as Json[]) {
      const template = POD_TEMPLATE_KINDS[o.kind]?.(o);
      if (template) {
        const batch = o.kind === 'Job' || o.kind === 'CronJob';
        const replicas =
          o.kind === 'DaemonSet' ? 2 : batch ? 1 : Math.max(o.spec?.replicas ?? 1, hpaMinReplicas(all, o as KubeObject) ?? 0);
        out.push({
          component: c.name,
          id: idOf(o as KubeObject),
          namespace: o.metadata.namespace,
          replicas,
          podLabels: template.metadata?.labels ?? {},
          pod: template.spec ?? {},
          serving: !batch,
        });
      } else if (o.kind === 'Kiali' && o.apiVersion === 'kiali.io/v1alpha1') {
        out.push(kialiWorkload(c.name, o));
      }
    }
  }
  return out;
}

function kialiWorkload(component: string, cr: Json): Workload {
  const d = cr.spec?.deployment ?? {};
  const name = d.instance_name ?? 'kiali';
  // What the operator's deployment template renders (probes are always set; the container security
  // context is the CR's, the pod-level one the operator's own default of nothing).
  const container = { name: 'kiali', securityContext: d.security_context, resources: d.resources, livenessProbe: {}, readinessProbe: {} };
  const affinity = d.affinity?.pod_anti ? { podAntiAffinity: d.affinity.pod_anti } : undefined;
  return {
    component,
    id: idOf(cr as KubeObject),
    namespace: d.namespace ?? cr.metadata.namespace,
    replicas: Math.max(d.replicas ?? 1, d.hpa?.spec?.minReplicas ?? 0),
    podLabels: { 'app.kubernetes.io/name': 'kiali', 'app.kubernetes.io/instance': name },
    pod: { containers: [container], affinity, operatorPdb: d.pod_disruption_budget?.spec },
    serving: true,
  };
}

const matches = (selector: Json | undefined, labels: Record<string, string>) => {
  if (!selector) return false;
  if (selector.matchExpressions?.length) return false; // not used by the bundle; treat as no match
  return Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
};

function containerRules(w: Workload, push: (rule: string, detail: string) => void) {
  const pod = w.pod;
  const psc = pod.securityContext ?? {};
  const containers: Json[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (!containers.length) push('containers', 'no containers');
  for (const c of containers) {
    const csc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (!(csc.runAsNonRoot ?? psc.runAsNonRoot) || (csc.runAsUser ?? psc.runAsUser) === 0)
      push('non-root', `${where}: runAsNonRoot is not true`);
    if (csc.readOnlyRootFilesystem !== true) push('read-only root fs', `${where}: readOnlyRootFilesystem is not true`);
    if (!(csc.capabilities?.drop ?? []).includes('ALL')) push('drop ALL', `${where}: capabilities.drop lacks ALL`);
    if (csc.allowPrivilegeEscalation !== false) push('no privilege escalation', `${where}: allowPrivilegeEscalation is not false`);
    if ((csc.seccompProfile?.type ?? psc.seccompProfile?.type) !== 'RuntimeDefault')
      push('seccomp RuntimeDefault', `${where}: seccompProfile is not RuntimeDefault`);
    for (const kind of ['requests', 'limits'])
      for (const r of ['cpu', 'memory'])
        if (!c.resources?.[kind]?.[r]) push('requests and limits', `${where}: resources.${kind}.${r} missing`);
  }
  if (w.serving)
    for (const c of pod.containers ?? [])
      for (const probe of ['livenessProbe', 'readinessProbe'])
        if (!c[probe]) push('liveness and readiness probes', `container ${c.name}: no ${probe}`);
}

/** Every rule, for every workload of the bundle. */
export function auditWorkloads(components: ComponentBundle[]): AuditViolation[] {
  const objects = components.flatMap((c) => c.objects) as Json[];
  const violations: AuditViolation[] = [];
  for (const w of workloadsOf(components)) {
    const push = (rule: string, detail: string) => violations.push({ component: w.component, workload: w.id, rule, detail });
    containerRules(w, push);
    const inNs = (kind: string) => objects.filter((o) => o.kind === kind && o.metadata.namespace === w.namespace);
    if (w.replicas > 1) {
      const pdb = w.pod.operatorPdb || inNs('PodDisruptionBudget').some((p) => matches(p.spec?.selector, w.podLabels));
      if (!pdb) push('PDB when replicas > 1', `${w.replicas} replicas and no PodDisruptionBudget selects them`);
      const spread = w.pod.affinity?.podAntiAffinity || w.pod.topologySpreadConstraints?.length;
      if (!spread) push('anti-affinity when replicas > 1', `${w.replicas} replicas and no podAntiAffinity or topologySpreadConstraints`);
    }
    const policed = inNs('NetworkPolicy').some((p) => {
      const sel = p.spec?.podSelector ?? {};
      return !sel.matchLabels && !sel.matchExpressions ? true : matches(sel, w.podLabels);
    });
    if (!policed) push('NetworkPolicy', 'no NetworkPolicy selects its pods');
  }
  return [...violations, ...secretValues(components)];
}

const SECRET_NAME = /(pass(word|wd)?|secret|token|api[_-]?key|credentials?|private[_-]?key)$/i;
/** Values that only point at a secret: env/file expansions, Kiali's secret: references, file paths. */
const REFERENCE = /^(\$\{[^}]+\}|secret:[^:]+:.+|\/.*|[a-z0-9_-]*\.?(crt|key|pem)|none|bearer|basic|token|oauth2|id_token|)$/i;

/** Secret values in objects or plain files: Secrets with data, literal env values, `password: literal` keys. */
export function secretValues(components: ComponentBundle[]): AuditViolation[] {
  const found: AuditViolation[] = [];
  const walk = (component: string, where: string, value: unknown, key?: string) => {
    if (Array.isArray(value)) {
      for (const v of value) walk(component, where, v, key);
      return;
    }
    if (value && typeof value === 'object') {
      const obj = value as Json;
      if (
        typeof obj.name === 'string' &&
        'value' in obj &&
        SECRET_NAME.test(obj.name) &&
        typeof obj.value === 'string' &&
        !REFERENCE.test(obj.value)
      )
        found.push({ component, workload: where, rule: 'no secret values', detail: `env ${obj.name} has a literal value` });
      for (const [k, v] of Object.entries(obj)) walk(component, where, v, k);
      return;
    }
    if (typeof value === 'string' && key && SECRET_NAME.test(key) && !REFERENCE.test(value))
      found.push({ component, workload: where, rule: 'no secret values', detail: `"${key}" holds a literal value` });
  };
  for (const c of components) {
    for (const o of c.objects as Json[]) {
      if (o.kind === 'Secret' && (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length))
        found.push({
          component: c.name,
          workload: idOf(o as KubeObject),
          rule: 'no secret values',
          detail: 'a Secret with data is part of the bundle',
        });
      walk(c.name, idOf(o as KubeObject), o);
    }
    for (const f of c.files) {
      for (const m of f.content.matchAll(/^\s*"?([A-Za-z_-]+)"?\s*[:=]\s*"?([^\s"#]*)"?\s*,?$/gm)) {
        if (SECRET_NAME.test(m[1]!) && !REFERENCE.test(m[2]!))
          found.push({
            component: c.name,
            workload: `${c.name}/${f.path}`,
            rule: 'no secret values',
            detail: `"${m[1]}" holds a literal value`,
          });
      }
    }
  }
  return found;
}

export const formatViolation = (v: AuditViolation) => `${v.component}: ${v.workload}: [${v.rule}] ${v.detail}`;
