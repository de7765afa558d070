// Components are peers around one model: none imports another component (source or package.json);
// each reads @meshobs/model and the shared config, signals and kube packages.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';

const COMPONENTS: Record<string, string> = {
  '@meshobs/alerts': 'packages/alerts',
  '@meshobs/dashboards': 'packages/dashboards',
  '@meshobs/otel-collector': 'packages/otel-collector',
  '@meshobs/istio': 'packages/istio',
  '@meshobs/jaeger': 'packages/jaeger',
  '@meshobs/kiali': 'packages/kiali',
  '@meshobs/demo-service': 'apps/demo-service',
};

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mts)$/.test(f) ? [p] : [];
  });

/** The other components a source text imports (static, dynamic or re-export, by name or by relative path). */
export function componentImports(self: string, text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1]!;
    for (const [name, dir] of Object.entries(COMPONENTS)) {
      if (name === self) continue;
      const base = dir.split('/').pop()!;
      if (spec === name || spec.startsWith(`${name}/`) || new RegExp(`(^|/)\\.\\./(\\.\\./)*(packages/|apps/)?${base}/`).test(spec))
        out.add(name);
    }
  }
  return [...out];
}

describe('components are peers', () => {
  for (const [name, dir] of Object.entries(COMPONENTS)) {
    it(`${name} imports no other component`, () => {
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
      expect(deps.filter((d) => d !== name && d in COMPONENTS)).toEqual([]);
      const found = files(join(REPO_ROOT, dir, 'src')).flatMap((f) =>
        componentImports(name, readFileSync(f, 'utf8')).map((c) => `${f.slice(REPO_ROOT.length + 1)} -> ${c}`),
      );
      expect(found).toEqual([]);
    });
  }

  it('the check sees an import of another component (mutation)', () => {
    expect(componentImports('@meshobs/istio', "import { ruleGroups } from '@meshobs/alerts';")).toEqual(['@meshobs/alerts']);
    expect(componentImports('@meshobs/kiali', "export * from '../../dashboards/src/index.ts';")).toEqual(['@meshobs/dashboards']);
    expect(componentImports('@meshobs/kiali', "import { x } from '@meshobs/model';")).toEqual([]);
  });
});
