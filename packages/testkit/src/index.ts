export * from './envoy-spans.ts';
export * from './istio-authz.ts';
export * from './otlp-proto.ts';
export * from './process.ts';
export * from './tools.ts';
