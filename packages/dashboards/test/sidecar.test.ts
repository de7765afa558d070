// The sidecar memory panels read the istio-proxy limit whichever way Istio injects the proxy: as a
// regular container (kube_pod_container_resource_limits) or as a Kubernetes native sidecar, an init
// container (kube_pod_init_container_resource_limits). Evaluated by the real promtool.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { panelsOf, queriesOf, substitute } from '@meshobs/qa/inspect';
import { clusterScoped, dashboardScope, sidecarResources } from '@meshobs/signals';
import { missingTools, tempDir, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

// A user's service (no demo): the panels read the user's pods.
const config = parseConfig({ services: [{ name: 'reviews', namespace: 'bookinfo' }] });
const j = config.prometheus.jobs;
const svc = config.services[0]!;
const pod = `${svc.name}-stable-7d9c6f8b5-x2x9k`;
const LIMIT = 1073741824;
const USED = LIMIT * 0.75;

const service = buildDashboards(resolveModel(config)).find((d) => d.uid === 'meshobs-service')!;
const target = (title: string, legend?: string) => {
  const panel = panelsOf(service).find((p) => p.title === title);
  if (!panel) throw new Error(`no panel "${title}"`);
  const q = queriesOf(panel).find((t) => legend === undefined || t.legend === legend)!;
  return substitute(q.expr, { cluster: '.*', namespace: svc.namespace, service: svc.name, version: '.*', __rate_interval: '5m' });
};

const series = (limitMetric: string) => [
  {
    series: `container_memory_working_set_bytes{job="${j.cadvisor}", namespace="${svc.namespace}", pod="${pod}", container="istio-proxy"}`,
    values: `${USED}x10`,
  },
  {
    series: `${limitMetric}{job="${j.kubeStateMetrics}", namespace="${svc.namespace}", pod="${pod}", container="istio-proxy", resource="memory", unit="byte"}`,
    values: `${LIMIT}x10`,
  },
  { series: `up{job="${j.envoy}", namespace="${svc.namespace}", pod="${pod}", app="${svc.name}", version="stable"}`, values: '1x10' },
];

function promtool(limitMetric: string) {
  const dir = tempDir('sidecar');
  const tests = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: series(limitMetric),
        promql_expr_test: [
          { expr: target('Sidecar memory of limit'), eval_time: '5m', exp_samples: [{ labels: '{}', value: USED / LIMIT }] },
          { expr: target('Sidecar memory', '{{pod}} limit'), eval_time: '5m', exp_samples: [{ labels: `{pod="${pod}"}`, value: LIMIT }] },
        ],
      },
    ],
  };
  writeFileSync(join(dir, 'sidecar.yml'), toYaml(tests));
  const r = spawnSync(toolPath('promtool')!, ['test', 'rules', 'sidecar.yml'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('sidecar memory panels', () => {
  it("show HighProxyMemoryUsage's own memory share", () => {
    const share = clusterScoped(sidecarResources(j, `namespace="${svc.namespace}"`).memoryShare, dashboardScope(config));
    expect(target('Sidecar memory of limit')).toContain(substitute(share, { cluster: '.*' }));
  });

  describe.skipIf(missingTools('promtool'))('on promtool', () => {
    it.each(['kube_pod_container_resource_limits', 'kube_pod_init_container_resource_limits'])('read the limit from %s', (metric) => {
      const r = promtool(metric);
      expect(r.code, r.out).toBe(0);
    });
  });
});
