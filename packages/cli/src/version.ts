import { readFileSync } from 'node:fs';

/** The version of this meshobs, from its package.json; recorded in every bundle's marker file. */
export const MESHOBS_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
