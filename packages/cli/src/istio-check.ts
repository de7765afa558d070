// Istio's own checks on the bundle, with istioctl (TOOL_SOURCES says where users get it):
// `istioctl validate` runs the checks of istiod's validating webhook on every Istio object, and
// `istioctl analyze` the cross-object analysers over every object the base kustomization applies,
// together with the bundle's meshConfig (--use-kube=false: files only, no cluster).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ComponentBundle, type KubeObject, objectToYaml } from '@meshobs/kube';
import { parse, stringify } from 'yaml';
import { baseObjects } from './cluster-check.ts';
import { ACCEPTED_ANALYZE_FINDINGS } from './istio-analyze-accepted.ts';
import { throwIfInterrupted } from './signals.ts';
import { missingTool } from './tool-sources.ts';
import { findTool, run } from './tools.ts';
import type { Verdict } from './validators.ts';

export interface AnalyzeFinding {
  code: string;
  level: string;
  origin: string;
  message: string;
}

const isIstio = (o: { apiVersion?: string }) => /\.istio\.io\//.test(o.apiVersion ?? '');
const yamlOf = (objects: KubeObject[]) => objects.map((o) => `---\n${objectToYaml(o)}`).join('');
const missing = (validator: string): Verdict => missingTool(validator, 'istioctl');

export function istioctlValidate(components: ComponentBundle[]): Verdict {
  const validator = 'istioctl validate';
  const istio = components.flatMap((c) => c.objects).filter(isIstio);
  if (!istio.length) return { validator, status: 'skipped', detail: 'no Istio objects in this bundle' };
  const bin = findTool('istioctl');
  if (!bin) return missing(validator);
  const r = run(bin, ['validate', '-f', '-'], { input: yamlOf(istio) });
  const detail = r.code === 0 ? `${istio.length} Istio objects valid` : r.output.trim().split('\n').slice(-15).join('\n');
  return { validator, status: r.code === 0 ? 'pass' : 'fail', detail };
}

/**
 * `istioctl analyze` over `objects` with the meshConfig of the bundle; every finding (Info included).
 * Throws when istioctl does not answer with its JSON list.
 */
export function analyzeFindings(istioctl: string, objects: KubeObject[], bundleDir: string, scratch: string): AnalyzeFinding[] {
  const objectsFile = join(scratch, 'analyze-objects.yaml');
  const meshFile = join(scratch, 'analyze-mesh.yaml');
  writeFileSync(objectsFile, yamlOf(objects));
  // The bundle ships the meshConfig fragment wrapped for Helm/IstioOperator values; analyze wants MeshConfig itself.
  const wrapped = parse(readFileSync(join(bundleDir, 'istio', 'mesh-config.yaml'), 'utf8')) as { meshConfig?: unknown };
  writeFileSync(meshFile, stringify(wrapped.meshConfig ?? {}));
  const r = spawnSync(istioctl, ['analyze', '--use-kube=false', '-A', '--meshConfigFile', meshFile, '-o', 'json', objectsFile], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  throwIfInterrupted(r);
  const out = (r.stdout ?? '').trim();
  if (!out.startsWith('['))
    throw new Error(
      `istioctl analyze gave no findings list: ${`${r.stderr ?? ''}${r.error ?? ''}`.trim().split('\n').slice(-5).join(' ')}`,
    );
  return JSON.parse(out) as AnalyzeFinding[];
}

export const findingKey = (f: { code: string; origin: string }) => `${f.code} ${f.origin}`;

export function istioctlAnalyze(bundleDir: string, components: ComponentBundle[], scratch: string): Verdict {
  const validator = 'istioctl analyze';
  const objects = baseObjects(components);
  if (!objects.some(isIstio)) return { validator, status: 'skipped', detail: 'no Istio objects in this bundle' };
  const bin = findTool('istioctl');
  if (!bin) return missing(validator);
  let findings: AnalyzeFinding[];
  try {
    findings = analyzeFindings(bin, objects, bundleDir, scratch);
  } catch (e) {
    return { validator, status: 'fail', detail: (e as Error).message };
  }
  const accepted = new Set(ACCEPTED_ANALYZE_FINDINGS.map(findingKey));
  const relevant = findings.filter((f) => f.level !== 'Info');
  const unexpected = relevant.filter((f) => !accepted.has(findingKey(f)));
  if (unexpected.length)
    return {
      validator,
      status: 'fail',
      detail: [`${unexpected.length} findings`, ...unexpected.map((f) => `${f.level} ${findingKey(f)}: ${f.message}`)].join('\n'),
    };
  const known = relevant.length ? ` beyond ${relevant.length} accepted ones` : '';
  return { validator, status: 'pass', detail: `${objects.length} objects with the bundle's meshConfig: no findings${known}` };
}
