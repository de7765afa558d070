export * from './cluster.ts';
export * from './images.ts';
export * from './node.ts';
export * from './sandbox.ts';
export * from './stack.ts';
