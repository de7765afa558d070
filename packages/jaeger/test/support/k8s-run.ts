// Runs the container of a generated Job/CronJob as a local process: same program, same args and
// env, with the search engine URL rewritten to the loopback one and Secret references resolved.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeObject } from '@meshobs/kube';

const run = promisify(execFile);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}
interface Container {
  args: string[];
  env: EnvVar[];
}

export function containerOf(obj: KubeObject): Container {
  const spec = obj.spec as any;
  const pod = obj.kind === 'CronJob' ? spec.jobTemplate.spec.template.spec : spec.template.spec;
  return pod.containers[0] as Container;
}

export interface RunResult {
  args: string[];
  env: Record<string, string>;
  output: string;
}

export async function runLikeKubernetes(
  binary: string,
  obj: KubeObject,
  opts: { clusterUrl: string; localUrl: string; secrets: Record<string, Record<string, string>> },
): Promise<RunResult> {
  const c = containerOf(obj);
  const args = c.args.map((a) => (a === opts.clusterUrl ? opts.localUrl : a));
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const v = opts.secrets[name]?.[key];
      if (v === undefined) throw new Error(`${obj.metadata.name}: Secret ${name} has no key ${key}`);
      env[e.name] = v;
    }
  }
  const { PATH, HOME } = process.env;
  try {
    const { stdout, stderr } = await run(binary, args, { env: { PATH: PATH ?? '', HOME: HOME ?? '', ...env }, timeout: 120_000 });
    return { args, env, output: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}
