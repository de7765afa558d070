export * from './images.ts';
export * from './node.ts';
export * from './sandbox.ts';
