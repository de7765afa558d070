// Field types shared by every section of the schema. Each one rejects values that would break the
// PromQL, YAML or Kubernetes objects generated from it, with a reason a person can act on.
import { z } from 'zod';

/** Type error message that still says "is required" when the field is missing altogether. */
export const typeError = (expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'is required' : expected;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROM_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;
const CPU_QUANTITY = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY_QUANTITY = /^\d+(Ki|Mi|Gi|Ti)?$/;
// Label values, job names and tag values end up inside PromQL string literals, YAML scalars and
// Envoy config: quotes, backslashes, braces and control characters are never needed there.
const SAFE_TEXT = /^[^"'`\\{}\u0000-\u001f\u007f]*$/;

/** A Kubernetes object name or namespace (RFC 1123 label, at most 63 characters). */
export const dnsLabel = () =>
  z.string({ error: typeError('must be a string') })
    .max(63, { error: 'must be at most 63 characters (a DNS-1123 label)' })
    .regex(DNS_LABEL, {
      error: 'is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric)',
    });

/** A host name or DNS-1123 subdomain (Services, Ingress hosts). */
export const dnsSubdomain = () =>
  z.string({ error: typeError('must be a string') })
    .max(253, { error: 'must be at most 253 characters' })
    .regex(DNS_SUBDOMAIN, { error: 'is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")' });

/** A Prometheus label value or job name that is safe to splice into PromQL and YAML. */
export const labelValue = () =>
  z.string({ error: typeError('must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' })
    .regex(SAFE_TEXT, { error: 'must not contain quotes, backslashes, braces or control characters such as newlines' });

/** Free text for annotations and messages: anything but control characters that break YAML. */
export const text = () =>
  z.string({ error: typeError('must be a string') })
    .regex(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, { error: 'must not contain control characters' });

/** A Prometheus duration such as 30s, 5m, 1h30m or 7d. */
export const duration = () =>
  z.string({ error: typeError('must be a duration string such as "5m"') })
    .refine((v) => v !== '' && PROM_DURATION.test(v), { error: 'is not a duration like "30s", "5m", "1h" or "7d"' });

/** An http(s) URL without characters that would need escaping in YAML or PromQL. */
export const httpUrl = () =>
  z.string({ error: typeError('must be a URL string') })
    .refine((v) => SAFE_TEXT.test(v) && !/\s/.test(v), { error: 'must not contain quotes, spaces or control characters' })
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { error: 'is not an http:// or https:// URL' },
    );

/** A number within [min, max]; the message matches the bounds exactly. */
export const between = (min: number, max: number, opts: { int?: boolean } = {}) =>
  z.number({ error: typeError('must be a number') })
    .refine((v) => Number.isFinite(v) && v >= min && v <= max, { error: `is not between ${min} and ${max}` })
    .refine((v) => !opts.int || Number.isInteger(v), { error: 'must be a whole number' });

export const percent = () => between(0, 100);
export const ratio = () => between(0, 1);
export const port = () => between(1, 65535, { int: true });
export const replicas = (max = 100) => between(1, max, { int: true });

export const cpu = () =>
  z.string({ error: typeError('must be a CPU quantity string such as "100m"') }).regex(CPU_QUANTITY, {
    error: 'is not a CPU quantity such as "100m" or "2"',
  });
export const memory = () =>
  z.string({ error: typeError('must be a memory quantity string such as "128Mi"') }).regex(MEMORY_QUANTITY, {
    error: 'is not a memory quantity such as "128Mi" or "2Gi"',
  });

export const resources = (defaults: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }) =>
  z
    .strictObject({
      requests: z.strictObject({ cpu: cpu().default(defaults.requests.cpu), memory: memory().default(defaults.requests.memory) }).prefault({}),
      limits: z.strictObject({ cpu: cpu().default(defaults.limits.cpu), memory: memory().default(defaults.limits.memory) }).prefault({}),
    })
    .prefault({});

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
  z.string({ error: typeError('must be a string') })
    .max(63, { error: 'must be at most 63 characters (a Kubernetes label value)' })
    .regex(LABEL_VALUE_K8S, { error: 'is not a Kubernetes label value (letters, digits, "-", "_", "."; alphanumeric at both ends)' });

/** A min/max replica range, as an HPA takes it. */
export const replicaRange = (min: number, max: number) =>
  z
    .strictObject({ min: replicas().default(min), max: replicas().default(max) })
    .prefault({})
    .superRefine((r, ctx) => {
      if (r.min > r.max) ctx.addIssue({ code: 'custom', path: ['min'], input: r.min, message: `is greater than max (${r.max})` });
    });

/** A reference to a key of a Kubernetes Secret: secrets never appear in the config or the bundle. */
export const secretKeyRef = (name: string, key: string) =>
  z.strictObject({ name: dnsSubdomain().default(name), key: k8sLabelValue().default(key) }).prefault({});

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A Kubernetes label key such as "app" or "app.kubernetes.io/name". */
export const k8sLabelKey = () =>
  z
    .string({ error: 'must be a string' })
    .max(316, { error: 'is too long for a Kubernetes label key' })
    .regex(LABEL_KEY, { error: 'is not a Kubernetes label key (an optional DNS prefix and "/", then letters, digits, "-", "_", ".")' });

/** A key inside a Kubernetes Secret, or a similar identifier (letters, digits, "-", "_", "."). */
export const secretKey = () =>
  z.string({ error: 'must be a string' }).regex(/^[-._a-zA-Z0-9]+$/, { error: 'may only contain letters, digits, "-", "_" and "."' });
