// The real Jaeger v2 binary accepts every generated config (`jaeger validate`).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { renderJaeger } from '../src/index.ts';
import { CREDENTIALS_DIR } from '../src/layout.ts';

const run = promisify(execFile);
const variants: Record<string, unknown> = {
  'elasticsearch over TLS': {},
  'opensearch, rollover, prefix': { elasticsearch: { flavor: 'opensearch' }, jaeger: { storage: { rollover: true, indexPrefix: 'prod' } } },
  'plain http': { elasticsearch: { url: 'http://es.search.svc:9200' } },
};

describe.skipIf(missingTools('jaeger'))('jaeger validate', () => {
  const dir = tempDir('jaeger-validate');
  // validate resolves ${file:…}: stand in for the mounted Secret.
  const secretDir = join(dir, 'es-credentials');
  mkdirSync(secretDir);
  writeFileSync(join(secretDir, 'username'), 'jaeger');
  writeFileSync(join(secretDir, 'password'), 'secret');
  const generated = (raw: unknown, file: string) =>
    renderJaeger(resolveModel(parseConfig(raw)))
      .files.find((f) => f.path === file)!
      .content.replaceAll(CREDENTIALS_DIR, secretDir);
  for (const [name, raw] of Object.entries(variants)) {
    for (const file of ['collector-config.yaml', 'query-config.yaml']) {
      it(`accepts ${file} (${name})`, async () => {
        const content = generated(raw, file);
        const path = join(dir, `${name.replace(/\W+/g, '-')}-${file}`);
        writeFileSync(path, content);
        await expect(run(requireTool('jaeger'), ['validate', `--config=${path}`], { timeout: 30_000 })).resolves.toBeDefined();
      });
    }
  }

  it('rejects a broken config (the check can fail)', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, generated({}, 'collector-config.yaml').replace('use_aliases:', 'use_alias:'));
    await expect(run(requireTool('jaeger'), ['validate', `--config=${path}`], { timeout: 30_000 })).rejects.toThrow(/use_alias/);
  });
});
