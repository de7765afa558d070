// `meshobs schema`: the editors' JSON Schema of this meshobs version, rewritten after an upgrade (init
// writes it once and never overwrites), and `build` says when the one beside a YAML config is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchemaText, JSON_SCHEMA_FILE } from '@meshobs/config';
import { tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { meshobs } from './helpers.ts';

/** The schema file of an older meshobs: same title, other content. */
const OLD_SCHEMA = `${JSON.stringify({ title: 'meshobs config', type: 'object', properties: {} }, null, 2)}\n`;

describe('meshobs schema', () => {
  it("writes this version's schema, says when it is up to date, and rewrites an older one", async () => {
    const dir = tempDir('schema');
    const first = await meshobs(dir, 'schema');
    expect(first).toMatchObject({ code: 0, stdout: `meshobs: wrote ${JSON_SCHEMA_FILE}` });
    expect(readFileSync(join(dir, JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
    expect((await meshobs(dir, 'schema')).stdout).toBe(`meshobs: ${JSON_SCHEMA_FILE} is up to date`);
    writeFileSync(join(dir, JSON_SCHEMA_FILE), OLD_SCHEMA);
    expect((await meshobs(dir, 'schema')).code).toBe(0);
    expect(readFileSync(join(dir, JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
  });

  it('overwrites only a meshobs schema', async () => {
    const dir = tempDir('schema');
    writeFileSync(join(dir, 'other.json'), '{"title": "something else"}\n');
    const r = await meshobs(dir, 'schema', '--out', 'other.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('other.json exists and is not a meshobs config schema');
    expect(readFileSync(join(dir, 'other.json'), 'utf8')).toBe('{"title": "something else"}\n');
  });

  it('--out - prints it', async () => {
    const r = await meshobs(tempDir('schema'), 'schema', '--out', '-');
    expect(`${r.stdout}\n`).toBe(configJsonSchemaText());
  });

  it('build notes a stale schema beside a YAML config that names it, and says how to rewrite it', async () => {
    const dir = tempDir('schema');
    expect((await meshobs(dir, 'init')).code).toBe(0);
    const fresh = await meshobs(dir, 'build');
    expect(fresh.stderr).not.toContain(JSON_SCHEMA_FILE);
    writeFileSync(join(dir, JSON_SCHEMA_FILE), OLD_SCHEMA);
    const stale = await meshobs(dir, 'build');
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain(
      `note: ${JSON_SCHEMA_FILE} is the config schema of another meshobs version (editors check the config against it): \`npx --no-install meshobs schema\` rewrites it`,
    );
    // init refuses, and names the command that does it.
    const init = await meshobs(dir, 'init');
    expect(init.code).toBe(1);
    expect(init.stderr).toContain('`npx --no-install meshobs schema` rewrites the schema for this meshobs version');
  });
});
