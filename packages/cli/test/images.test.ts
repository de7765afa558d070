// Every container image in a built bundle comes from the one pinned list (IMAGES in @meshobs/kube),
// whose entries each cite where the tag was confirmed to exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGES, imageTag } from '@meshobs/kube';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildInMemory } from '../src/commands.ts';
import { REPO_CONFIG } from './helpers.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', 'valid', name);
const VARIANTS = [REPO_CONFIG, fixture('scaled-out.yaml'), fixture('rollover.yaml')];

/** Every string under a key named `image`, anywhere in the bundle's YAML and JSON files. */
function imagesIn(files: Map<string, string>): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (v: unknown, file: string) => {
    if (Array.isArray(v)) for (const x of v) walk(x, file);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'image' && typeof x === 'string') found.set(x, file);
        else walk(x, file);
      }
  };
  for (const [path, content] of files) {
    if (path.endsWith('.json')) walk(JSON.parse(content), path);
    else if (/\.ya?ml$/.test(path)) for (const doc of parseAllDocuments(content)) walk(doc.toJS(), path);
  }
  return found;
}

const PINNED = new Set<string>(Object.values(IMAGES).map((i) => i.ref));

describe('images of the built bundle', () => {
  it.each(VARIANTS)('are all in the pinned list, built from %s', async (config) => {
    const { files } = await buildInMemory(config);
    const images = imagesIn(files);
    expect(images.size).toBeGreaterThan(0);
    const unpinned = [...images].filter(([ref]) => !PINNED.has(ref)).map(([ref, file]) => `${file}: ${ref}`);
    expect(unpinned).toEqual([]);
  });

  it('use every pinned image across the variants (no stale entries)', async () => {
    const used = new Set<string>();
    for (const config of VARIANTS) for (const ref of imagesIn((await buildInMemory(config)).files).keys()) used.add(ref);
    expect([...PINNED].filter((ref) => !used.has(ref))).toEqual([]);
  });

  it('cite where each tag was confirmed', () => {
    for (const [name, image] of Object.entries(IMAGES)) {
      expect(image.ref, name).toMatch(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/);
      expect(image.confirmedAt.length, name).toBeGreaterThan(20);
    }
  });

  it('pin the Jaeger tools at the tag their release pushed them under', () => {
    // Jaeger v2.13.0 pushed its tool images only under the v1 tag of the same commit, 1.76.0; from
    // v2.14.0 on, every image carries the v2 version (IMAGES cites the release workflow).
    const V1_TAG_OF_RELEASE: Record<string, string> = { '2.13.0': '1.76.0' };
    const jaeger = imageTag(IMAGES.jaeger.ref)!;
    for (const tool of [IMAGES.jaegerEsIndexCleaner, IMAGES.jaegerEsRollover])
      expect(imageTag(tool.ref)).toBe(V1_TAG_OF_RELEASE[jaeger] ?? jaeger);
  });

  it('tag the demo service with its package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/demo-service/package.json'), 'utf8'));
    expect(imageTag(IMAGES.demoService.ref)).toBe(pkg.version);
  });
});
