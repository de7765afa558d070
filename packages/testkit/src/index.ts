export * from './tools.ts';
export * from './process.ts';
