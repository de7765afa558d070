export * from './tools.ts';
export * from './process.ts';
export * from './istio-authz.ts';
