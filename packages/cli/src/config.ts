// What a meshobs.config.ts imports: `import { defineConfig } from '@meshobs/cli/config'`. A module of its
// own, so that loading a config never loads the command line itself (which is what loads the config).
export { defineConfig, type MeshobsConfig, type MeshobsConfigInput } from '@meshobs/config';
