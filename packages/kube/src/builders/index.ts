export * from './config-map.ts';
export * from './deployment.ts';
export * from './gateway.ts';
export * from './ports.ts';
export * from './service.ts';
export * from './service-monitor.ts';
