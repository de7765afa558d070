// Starts the real Jaeger v2 binary with a rewritten generated config.
import { type Proc, requireTool, startProcess } from '@meshobs/testkit';

export async function startJaeger(name: string, configPath: string, healthPort: number): Promise<Proc> {
  return startProcess(name, requireTool('jaeger'), [`--config=${configPath}`], {
    readyUrl: `http://127.0.0.1:${healthPort}/status`,
    timeoutMs: 90_000,
  });
}
