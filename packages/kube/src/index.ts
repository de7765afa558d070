export * from './types.ts';
export * from './labels.ts';
export * from './workload.ts';
export * from './yaml.ts';
export * from './assemble.ts';
export * from './namespaces.ts';
export * from './validate.ts';
export * from './images.ts';
