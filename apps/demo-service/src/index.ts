export { type App, type AppOptions, createApp } from './app.ts';
export { ConfigError, loadConfig, type ServiceConfig } from './config.ts';
export { createPropagator } from './tracing/propagator.ts';
export { resourceAttributesFrom } from './tracing/resource.ts';
export { startTracing, type Tracing, tracingEnabled } from './tracing/sdk.ts';
