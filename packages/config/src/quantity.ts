// Kubernetes resource quantities as the config accepts them, parsed to numbers so requests and limits
// can be compared. Grammar: k8s.io/apimachinery/pkg/api/resource/quantity.go (a decimal number and
// an optional binary suffix Ki..Ei or decimal suffix m, k, M, G, T, P, E). The config accepts the
// subset the bundle's own code reads (packages/kube memoryBytes), which covers every real use.
import { z } from 'zod';
import { typeError } from './errors.ts';

const CPU = /^(\d+)m$|^(\d+(?:\.\d+)?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_FACTOR: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** CPU in millicores, or undefined when not a CPU quantity ("100m", "2", "0.5"). */
export function cpuMillis(q: string): number | undefined {
  const m = CPU.exec(q);
  if (!m) return undefined;
  return m[1] !== undefined ? Number(m[1]) : Number(m[2]) * 1000;
}

/** Memory in bytes, or undefined when not a memory quantity; a bare number counts as bytes, as in Kubernetes. */
export function memoryBytesOf(q: string): number | undefined {
  const m = MEMORY.exec(q);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? MEMORY_FACTOR[m[2]]! : 1);
}

/** runc refuses a container memory limit below 6 MiB ("minimum memory limit allowed is 6MB"). */
export const MIN_MEMORY_LIMIT = 6 * 2 ** 20;
/** More than any node has: a typo such as "1000Gi" for "1000Mi" fails here rather than at scheduling. */
const MAX_MEMORY = 2 ** 40;
const MAX_CPU_MILLIS = 256_000;

export const cpu = () =>
  z
    .string({ error: typeError('must be a CPU quantity string such as "100m"') })
    .regex(CPU, { error: 'is not a CPU quantity such as "100m" or "2"', abort: true })
    .refine((q) => cpuMillis(q)! >= 1, { error: 'must be at least 1m (Kubernetes cannot schedule less)' })
    .refine((q) => cpuMillis(q)! <= MAX_CPU_MILLIS, { error: `must be at most ${MAX_CPU_MILLIS / 1000} cores` });

export const memory = () =>
  z
    .string({ error: typeError('must be a memory quantity string such as "128Mi"') })
    .regex(MEMORY, { error: 'is not a memory quantity such as "128Mi" or "2Gi"', abort: true })
    .refine((q) => !/^[\d.]+$/.test(q), {
      error: 'has no unit, so Kubernetes reads it as bytes: write it with a unit such as "128Mi" or "2Gi"',
      abort: true,
    })
    .refine((q) => memoryBytesOf(q)! <= MAX_MEMORY, { error: 'must be at most 1Ti' });

type Sizes = { cpu: string; memory: string };

/** requests <= limits (the API server rejects a pod otherwise) and a limit runc accepts. */
export function checkResources(r: { requests: Sizes; limits: Sizes }, ctx: z.RefinementCtx) {
  const rc = cpuMillis(r.requests.cpu);
  const lc = cpuMillis(r.limits.cpu);
  if (rc !== undefined && lc !== undefined && rc > lc)
    ctx.addIssue({
      code: 'custom',
      path: ['requests', 'cpu'],
      input: r.requests.cpu,
      message: `is more than limits.cpu (${r.limits.cpu}); a request may not exceed its limit`,
    });
  const rm = memoryBytesOf(r.requests.memory);
  const lm = memoryBytesOf(r.limits.memory);
  if (rm !== undefined && lm !== undefined && rm > lm)
    ctx.addIssue({
      code: 'custom',
      path: ['requests', 'memory'],
      input: r.requests.memory,
      message: `is more than limits.memory (${r.limits.memory}); a request may not exceed its limit`,
    });
  if (lm !== undefined && lm < MIN_MEMORY_LIMIT)
    ctx.addIssue({
      code: 'custom',
      path: ['limits', 'memory'],
      input: r.limits.memory,
      message: 'is below 6Mi, the smallest memory limit a container starts with',
    });
}
