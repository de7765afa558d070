// Turns the generated Jaeger configs into ones that run on this machine: every 0.0.0.0 listener
// moves to a free loopback port, the credential files to a temp dir, and the search engine URL to
// the local one (or the storage to memory). Nothing else is touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml } from '@meshobs/kube';
import { freePort } from '@meshobs/testkit';
import { parse } from 'yaml';

type Obj = Record<string, any>;

export interface Rewritten {
  config: Obj;
  /** Original listen port -> loopback port it moved to. */
  ports: Map<number, number>;
}

/** Moves each `0.0.0.0:<port>` endpoint (and the Prometheus reader) to 127.0.0.1 on a free port. */
export async function toLoopback(yamlText: string): Promise<Rewritten> {
  const config = parse(yamlText) as Obj;
  const ports = new Map<number, number>();
  const move = async (port: number) => {
    if (!ports.has(port)) ports.set(port, await freePort());
    return ports.get(port)!;
  };
  const walk = async (node: unknown): Promise<void> => {
    if (!node || typeof node !== 'object') return;
    const o = node as Obj;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'endpoint' && typeof v === 'string' && v.startsWith('0.0.0.0:')) o[k] = `127.0.0.1:${await move(Number(v.split(':')[1]))}`;
      else await walk(v);
    }
    if (o.host === '0.0.0.0' && typeof o.port === 'number') {
      o.host = '127.0.0.1';
      o.port = await move(o.port);
    }
  };
  await walk(config);
  return { config, ports };
}

export const backendOf = (config: Obj, name: string): Obj => config.extensions.jaeger_storage.backends[name];

/** Writes username/password files and points the basic-auth settings at them. */
export function useCredentialFiles(backend: Obj, dir: string, username = 'jaeger', password = 'not-checked-security-plugin-off') {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'username'), username);
  writeFileSync(join(dir, 'password'), password);
  const engine = Object.values(backend)[0] as Obj;
  const basic = engine.auth.basic as Obj;
  basic.username = `\${file:${join(dir, 'username')}}`;
  basic.password_file = join(dir, 'password');
}

export function writeConfig(dir: string, name: string, config: Obj): string {
  const path = join(dir, name);
  writeFileSync(path, toYaml(config));
  return path;
}
