// Entry point: `node src/server.ts`. Configured by PODINFO_* and the standard OTEL_* variables.
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type ServiceConfig } from './config.ts';
import { log } from './log.ts';
import { startTracing } from './tracing/sdk.ts';

function main(): Promise<void> | void {
  let config: ServiceConfig;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log('error', `invalid configuration: ${e.message}`);
    process.exit(2);
  }
  // Before the app exists, so its tracer is the SDK's.
  const tracing = startTracing(process.env, config.version);
  const app = createApp({ config });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down', { signal, inFlight: app.inFlight() });
    // Safety net: never hang past the grace the pod is given.
    setTimeout(() => process.exit(1), config.shutdownDelayMs + config.shutdownTimeoutMs + 15_000).unref();
    await app.shutdown();
    await tracing?.shutdown().catch((e: Error) => log('error', 'flushing spans failed', { error: e.message }));
    log('info', 'stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  return app
    .listen()
    .then((port) => log('info', 'listening', { port, host: config.host || '*', backends: config.backends, tracing: Boolean(tracing) }));
}

await main();
