// Field types shared by every section of the schema. Each one rejects values that would break the
// PromQL, YAML or Kubernetes objects generated from it, with a reason a person can act on.
import { z } from 'zod';
import { typeError } from './errors.ts';
import { checkResources, cpu, memory } from './quantity.ts';

export { typeError } from './errors.ts';
export { cpu, memory } from './quantity.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROM_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;
/** A non-empty Prometheus duration (every part of PROM_DURATION is optional, the whole is not). */
const DURATION = new RegExp(`^(?!$)${PROM_DURATION.source.slice(1)}`);
// Label values, job names and tag values end up inside PromQL string literals, YAML scalars and
// Envoy config: quotes, backslashes, braces and control characters are never needed there.
const SAFE_TEXT = /^[^"'`\\{}\u0000-\u001f\u007f]*$/;

/**
 * Option for cross-field refinements: run only once every field below is valid, so a check never
 * sees (or throws on) a value that already has its own error.
 */
export const whenValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** A Kubernetes object name or namespace (RFC 1123 label, at most 63 characters). */
export const dnsLabel = () =>
  z
    .string({ error: typeError('must be a string') })
    .max(63, { error: 'must be at most 63 characters (a DNS-1123 label)' })
    .regex(DNS_LABEL, {
      error: 'is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric)',
    });

/** A host name or DNS-1123 subdomain (Services, Ingress hosts). */
export const dnsSubdomain = () =>
  z
    .string({ error: typeError('must be a string') })
    .max(253, { error: 'must be at most 253 characters' })
    .regex(DNS_SUBDOMAIN, { error: 'is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")' });

const HOST_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Why a host name is not a DNS-1123 subdomain with labels of at most 63 characters, or undefined. */
export function hostProblem(host: string, opts: { wildcard?: boolean } = {}): string | undefined {
  const h = opts.wildcard && host.startsWith('*.') ? host.slice(2) : host;
  if (host.length > 253) return 'must be at most 253 characters (a DNS name)';
  const labels = h.split('.');
  const bad = labels.find((l) => !HOST_LABEL.test(l));
  if (bad !== undefined)
    return `is not a DNS-1123 host name: ${bad === '' ? 'it has an empty label ("..", or a leading or trailing ".")' : `"${bad.slice(0, 63)}" is not lower-case letters, digits and "-", alphanumeric at both ends`}`;
  const long = labels.find((l) => l.length > 63);
  if (long) return `is not a DNS-1123 host name: the label "${long.slice(0, 20)}…" is longer than 63 characters`;
  return undefined;
}

/** A host name (Ingress hosts): a DNS-1123 subdomain whose every label is at most 63 characters. */
export const dnsHost = (opts: { wildcard?: boolean } = {}) =>
  z.string({ error: typeError('must be a host name string') }).superRefine((v, ctx) => {
    const problem = hostProblem(v, opts);
    if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
  });

/** A Prometheus label value or job name that is safe to splice into PromQL and YAML. */
export const labelValue = () =>
  z
    .string({ error: typeError('must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' })
    .regex(SAFE_TEXT, { error: 'must not contain quotes, backslashes, braces or control characters such as newlines' });

/** Free text for annotations and messages: anything but control characters that break YAML. */
export const text = () =>
  z
    .string({ error: typeError('must be a string') })
    .regex(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, { error: 'must not contain control characters' });

/** A duration in the shortest Prometheus spelling (for messages): 90 -> "1m30s". */
export function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['y', 31536000],
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.round(seconds * 1000);
  let out = '';
  for (const [u, s] of units) {
    const n = Math.floor(rest / (s * 1000));
    if (n) [out, rest] = [`${out}${n}${u}`, rest - n * s * 1000];
  }
  return out + (rest ? `${rest}ms` : '') || '0s';
}

/**
 * A Prometheus duration such as 30s, 5m, 1h30m or 7d, within bounds. Every duration has an upper
 * bound: alert `for` and rate windows size the promtool unit tests the build renders (one sample per
 * minute over the whole `for`), so an unbounded one makes the build and promtool run for minutes.
 */
export const duration = (bounds: { min?: string; max: string; positive?: boolean }) =>
  z
    .string({ error: typeError('must be a duration string such as "5m"') })
    // a zod check (not a refinement): the JSON Schema carries it as the field's pattern
    .regex(DURATION, { error: 'is not a duration like "30s", "5m", "1h" or "7d"', abort: true })
    .refine((v) => !bounds.positive || durationSeconds(v) > 0, { error: 'must be longer than 0s' })
    .refine((v) => !bounds.min || durationSeconds(v) >= durationSeconds(bounds.min), { error: `must be at least ${bounds.min}` })
    .refine((v) => durationSeconds(v) <= durationSeconds(bounds.max), { error: `must be at most ${bounds.max}` })
    .meta({
      [DURATION_BOUNDS]: { ...(bounds.min ? { min: bounds.min } : {}), max: bounds.max, ...(bounds.positive ? { positive: true } : {}) },
    });

/**
 * JSON Schema keyword under which a duration field's bounds reach the schema generation, which turns them
 * into a sentence of the field's description (JSON Schema cannot compare durations).
 */
export const DURATION_BOUNDS = 'x-meshobs-duration';

/**
 * An http(s) URL without characters that would need escaping in YAML or PromQL, and without
 * credentials (`https://user:pass@host`): `secretHint` names the Secret fields that hold them instead.
 */
export const httpUrl = (secretHint?: string) =>
  z
    .string({ error: typeError('must be a URL string') })
    .refine((v) => SAFE_TEXT.test(v) && !/\s/.test(v), { error: 'must not contain quotes, spaces or control characters' })
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return (u.protocol === 'http:' || u.protocol === 'https:') && /^https?:\/\/[^/]/i.test(v);
        } catch {
          return false;
        }
      },
      { error: 'is not an http:// or https:// URL' },
    )
    .superRefine((v, ctx) => {
      // the value is shown with its password masked: an error message must not leak it into CI logs
      if (hasCredentials(v))
        ctx.addIssue({
          code: 'custom',
          input: v.replace(/^(https?:\/\/)[^/]*@/i, '$1***@'),
          message: secretHint ?? 'must not contain a user name or password: credentials belong in a Kubernetes Secret, never in the bundle',
        });
    });

function hasCredentials(v: string): boolean {
  try {
    const u = new URL(v);
    return u.username !== '' || u.password !== '' || /^https?:\/\/[^/]*@/i.test(v);
  } catch {
    return false;
  }
}

/**
 * A number within [min, max]; the message matches the bounds exactly. zod checks (not refinements), so the
 * JSON Schema for editors carries them as minimum/maximum (and type integer); z.number() itself refuses
 * Infinity and NaN.
 */
export const between = (min: number, max: number, opts: { int?: boolean } = {}) => {
  const range = { error: `is not between ${min} and ${max}` };
  const n = z.number({ error: (iss) => (typeof iss.input === 'number' ? 'must be a finite number' : typeError('must be a number')(iss)) });
  return (opts.int ? n.int({ error: 'must be a whole number' }) : n).gte(min, range).lte(max, range);
};

export const percent = () => between(0, 100);
export const ratio = () => between(0, 1);
export const port = () => between(1, 65535, { int: true });
export const replicas = (max = 100) => between(1, max, { int: true });

export const resources = (defaults: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }) =>
  z
    .strictObject({
      /** What the scheduler reserves for each container. */
      requests: z
        .strictObject({
          /** CPU request: a Kubernetes quantity such as "100m" (millicores) or "2". */
          cpu: cpu().default(defaults.requests.cpu),
          /** Memory request: a Kubernetes quantity such as "128Mi" or "1Gi". */
          memory: memory().default(defaults.requests.memory),
        })
        .prefault({}),
      /** What each container may use at most (at least its request). */
      limits: z
        .strictObject({
          /** CPU limit: a Kubernetes quantity such as "500m" or "2". */
          cpu: cpu().default(defaults.limits.cpu),
          /** Memory limit: a Kubernetes quantity such as "512Mi" or "1Gi"; the container is killed above it. */
          memory: memory().default(defaults.limits.memory),
        })
        .prefault({}),
    })
    .prefault({})
    .superRefine(checkResources, whenValid);

/** Unique entries of a list, compared by a key; reports the first duplicate by value. */
export const uniqueBy =
  <T>(key: (item: T) => string, what: string) =>
  (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i], input: k, message: `duplicates ${what} of entry ${first}` });
      } else seen.set(k, i);
    });
  };

/** Parses a Prometheus duration into seconds (used to compare durations in cross-field checks). */
export function durationSeconds(d: string): number {
  const m = PROM_DURATION.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const n = (i: number) => Number(m[i] ?? 0);
  return n(2) * 31536000 + n(4) * 604800 + n(6) * 86400 + n(8) * 3600 + n(10) * 60 + n(12) + n(14) / 1000;
}

const LABEL_VALUE_K8S = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A Kubernetes label value (pod `version` labels, `release` selectors). */
export const k8sLabelValue = () =>
  z
    .string({ error: typeError('must be a string') })
    .max(63, { error: 'must be at most 63 characters (a Kubernetes label value)' })
    .regex(LABEL_VALUE_K8S, { error: 'is not a Kubernetes label value (letters, digits, "-", "_", "."; alphanumeric at both ends)' });

/** A min/max replica range, as an HPA takes it. */
export const replicaRange = (min: number, max: number) =>
  z
    .strictObject({
      /** Fewest replicas (the autoscaler's minReplicas). */
      min: replicas().default(min),
      /** Most replicas (the autoscaler's maxReplicas); at least min. */
      max: replicas().default(max),
    })
    .prefault({})
    .superRefine((r, ctx) => {
      if (r.min > r.max) ctx.addIssue({ code: 'custom', path: ['min'], input: r.min, message: `is greater than max (${r.max})` });
    });

/** A reference to a key of a Kubernetes Secret: secrets never appear in the config or the bundle. */
export const secretKeyRef = (name: string, key: string) =>
  z
    .strictObject({
      /** Name of the Secret. */
      name: dnsSubdomain().default(name),
      /** Key in the Secret's data. */
      key: k8sLabelValue().default(key),
    })
    .prefault({});

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A Kubernetes label key such as "app" or "app.kubernetes.io/name". */
export const k8sLabelKey = () =>
  z
    .string({ error: 'must be a string' })
    .max(316, { error: 'is too long for a Kubernetes label key' })
    .regex(LABEL_KEY, {
      error: 'is not a Kubernetes label key (an optional DNS prefix and "/", then letters, digits, "-", "_", ".")',
      abort: true,
    })
    .refine((k) => k.split('/').at(-1)!.length <= 63, { error: 'has a name part longer than 63 characters (a Kubernetes label key)' })
    .refine((k) => !k.includes('/') || k.split('/')[0]!.length <= 253, {
      error: 'has a prefix longer than 253 characters (a Kubernetes label key)',
    });

/** A key inside a Kubernetes Secret, or a similar identifier (letters, digits, "-", "_", "."). */
export const secretKey = () =>
  z.string({ error: 'must be a string' }).regex(/^[-._a-zA-Z0-9]+$/, { error: 'may only contain letters, digits, "-", "_" and "."' });

/** A label selector (matchLabels): never empty, since an empty selector selects every pod or instance. */
export const selector = () =>
  z.record(k8sLabelKey(), k8sLabelValue()).superRefine((labels, ctx) => {
    if (Object.keys(labels).length === 0)
      ctx.addIssue({
        code: 'custom',
        input: undefined,
        message: 'is empty: a selector must name at least one label, an empty one matches everything',
      });
  });
