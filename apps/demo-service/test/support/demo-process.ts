import { fileURLToPath } from 'node:url';
import { defaultConfig } from '@meshobs/config';
import { freePort, type Proc, startProcess } from '@meshobs/testkit';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export interface DemoProcess {
  proc: Proc;
  url: string;
  port: number;
}

/** `node src/server.ts` on 127.0.0.1 and a free port, configured through the environment only. */
export async function startDemo(name: string, env: Record<string, string>, port?: number): Promise<DemoProcess> {
  const p = port ?? (await freePort());
  const proc = await startProcess(name, process.execPath, [SERVER], {
    env: { PODINFO_HOST: '127.0.0.1', PODINFO_PORT: String(p), OTEL_SERVICE_NAME: name, ...env },
    readyUrl: `http://127.0.0.1:${p}/readyz`,
    timeoutMs: 30_000,
  });
  return { proc, url: `http://127.0.0.1:${p}`, port: p };
}

/** The mesh the bundle's collector config was rendered for. */
export const MESH = defaultConfig().cluster;

/** Resource attributes as the bundle's pod spec sets them (downward API and the mesh config). */
export const downwardApiEnv = (pod: string): Record<string, string> => ({
  K8S_POD_NAME: pod,
  K8S_NAMESPACE_NAME: 'podinfo',
  K8S_CLUSTER_NAME: MESH.name,
  DEPLOYMENT_ENVIRONMENT: MESH.environment,
});

export const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
