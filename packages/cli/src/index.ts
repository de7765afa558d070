export { main } from './main.ts';
export { buildInMemory, type BuildResult, type Io } from './commands.ts';
export { loadConfig, findConfig, UsageError } from './load-config.ts';
export { renderComponents, RENDERERS } from './render.ts';
export { findTool, run, REPO_TOOLS_BIN } from './tools.ts';
export { VALIDATORS, runValidators, type BundleValidator, type Verdict } from './validators.ts';
export { writeBundleAtomically } from './write.ts';
