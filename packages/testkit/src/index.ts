export * from './istio-authz.ts';
export * from './process.ts';
export * from './tools.ts';
