export { createApp, type App, type AppOptions } from './app.ts';
export { loadConfig, ConfigError, type ServiceConfig } from './config.ts';
export { createPropagator } from './tracing/propagator.ts';
export { startTracing, tracingEnabled, type Tracing } from './tracing/sdk.ts';
export { resourceAttributesFrom } from './tracing/resource.ts';
