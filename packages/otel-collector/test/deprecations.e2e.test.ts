// The real collector (otelcol-meshobs v0.161.0) runs every generated config without one deprecation
// warning: current component type names (otlp_grpc, load_balancing, span_metrics, k8s_attributes), no
// batch processor (exporter-side batching in sending_queue instead).

import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { missingTools, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collectorConfigFile, renderCollector, SAMPLER_CONFIG_FILE } from '../src/index.ts';
import { freePorts, localize, startCollector, startSink } from './harness.ts';

/**
 * Type names that are deprecated aliases in v0.161.0 (metadata.yaml `deprecated_type` of each module the
 * builder manifest lists: otlpexporter otlp, otlphttpexporter otlphttp, loadbalancingexporter
 * loadbalancing, spanmetricsconnector spanmetrics, k8sattributesprocessor k8sattributes,
 * deltatocumulativeprocessor deltatocumulative). The run below cannot cover k8s_attributes (it needs a
 * Kubernetes API server), so the config text is checked against this list as well.
 */
const DEPRECATED_TYPES = ['otlp', 'otlphttp', 'loadbalancing', 'spanmetrics', 'k8sattributes', 'deltatocumulative'];
const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;

const typeOf = (id: string) => id.split('/')[0]!;

/** Every generated config file of a mode: [name, yaml]. */
function configsOf(config: MeshobsConfig): Array<[string, string]> {
  const bundle = renderCollector(resolveModel(config));
  const files: Array<[string, string]> = [['config.yaml', collectorConfigFile(bundle)]];
  if (config.tracing.collector.mode === 'two-tier') files.push([SAMPLER_CONFIG_FILE, collectorConfigFile(bundle, SAMPLER_CONFIG_FILE)]);
  return files;
}

const MODES = [
  ['single', parseConfig({ tracing: { collector: { mode: 'single' } } })],
  ['two-tier (default)', parseConfig({})],
] as const;

describe('generated collector configs use no deprecated names', () => {
  for (const [mode, config] of MODES)
    it.each(configsOf(config))(`${mode}: %s names only current component types, and no batch processor`, (_file, yaml) => {
      const cfg = parse(yaml);
      for (const section of SECTIONS)
        for (const id of Object.keys(cfg[section] ?? {})) {
          const type = typeOf(id);
          // The otlp *receiver* type is current; only the exporter was renamed (otlp_grpc).
          if (section === 'receivers' && type === 'otlp') continue;
          expect(DEPRECATED_TYPES, `${section}.${id}`).not.toContain(type);
        }
      expect(Object.keys(cfg.processors ?? {}).map(typeOf)).not.toContain('batch');
    });
});

describe.skipIf(missingTools('otelcol-meshobs'))('the real collector prints no deprecation warning', () => {
  afterAll(stopAll);

  for (const [mode, config] of MODES)
    it.each(configsOf(config))(
      `${mode}: %s`,
      async (_file, yaml) => {
        const sink = await startSink(`deprecations-sink-${mode}`);
        const ports = await freePorts();
        const cfg = localize(yaml, ports, { exportTo: sink.endpoints[0], backends: [sink.endpoints[0]!] });
        const collector = await startCollector(`deprecations-${mode}`, cfg, ports);
        // Component factories log aliases while the pipelines are built, and components (exporters
        // starting their queues) while they start; the service logs "Everything is ready" after every
        // component has started (go.opentelemetry.io/collector/service v0.161.0 service.go Start), and
        // the health check may answer a moment before it does.
        await waitUntil(() => /Everything is ready/.test(collector.proc.output()), 30_000, `${mode}: "Everything is ready"`, 100);
        const out = collector.proc.output();
        await collector.proc.stop();
        await sink.stop();
        const warnings = out.split('\n').filter((l) => /deprecat/i.test(l));
        expect(warnings).toEqual([]);
        expect(out).toMatch(/Everything is ready/);
      },
      60_000,
    );
});
