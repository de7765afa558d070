// The profile mismatches meshobs can detect from the config alone: each case is a config every real
// validator accepts whose bundle silently fails in the cluster it names.

import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { profileFindings, serviceOf } from '../src/profile-checks.ts';
import { renderComponents } from '../src/render.ts';

const findings = (raw: unknown) => profileFindings(parseConfig(raw)).map((f) => `${f.component}: ${f.message}`);

describe('profile checks', () => {
  it('finds nothing on the default config', () => {
    expect(findings({})).toEqual([]);
  });

  it('reads the namespace of in-cluster Service URLs only', () => {
    expect(serviceOf('http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090')).toEqual({
      service: 'kube-prometheus-stack-prometheus',
      namespace: 'monitoring',
    });
    expect(serviceOf('http://prom.metrics.svc:9090')).toEqual({ service: 'prom', namespace: 'metrics' });
    expect(serviceOf('https://prometheus.example.com')).toBeUndefined();
    expect(serviceOf('http://prom.metrics:9090')).toBeUndefined();
  });

  it('Prometheus outside namespaces.monitoring: scrapes refused and, with the operator, alerts reaching no receiver', () => {
    const kps = 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090';
    const f = findings({ namespaces: { monitoring: 'metrics' }, prometheus: { url: kps } });
    expect(f).toHaveLength(2);
    expect(f[0]).toMatch(
      /^alerts: prometheus\.url is a Service in namespace "monitoring", but namespaces\.monitoring is "metrics": the bundle's NetworkPolicies admit scrapes only from "metrics"/,
    );
    expect(f[1]).toMatch(/AlertmanagerConfig goes to "metrics".*reach no meshobs receiver/);
    // Left unset, the URL is derived from the monitoring namespace: nothing to report.
    expect(findings({ namespaces: { monitoring: 'metrics' } })).toEqual([]);
    // Pointing the URL at the configured namespace resolves both.
    expect(
      findings({ namespaces: { monitoring: 'metrics' }, prometheus: { url: 'http://kube-prometheus-stack-prometheus.metrics.svc:9090' } }),
    ).toEqual([]);
    // Without the operator there is no AlertmanagerConfig to misplace, but the scrapes are still refused.
    const plain = findings({
      profile: { prometheus: 'plain' },
      namespaces: { monitoring: 'metrics' },
      prometheus: { url: 'http://prometheus.monitoring.svc:9090' },
      grafana: { url: 'http://grafana.metrics.svc' },
    });
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatch(/NetworkPolicies admit scrapes only from "metrics"/);
  });

  it('plain Prometheus with the URLs of kube-prometheus-stack Services', () => {
    const kps = {
      prometheus: { url: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090' },
      grafana: { url: 'http://kube-prometheus-stack-grafana.monitoring.svc.cluster.local' },
    };
    const f = findings({ profile: { prometheus: 'plain' }, ...kps });
    expect(f).toEqual([
      expect.stringMatching(
        /^kiali: profile\.prometheus is "plain" but prometheus\.url \(http:\/\/kube-prometheus-stack-prometheus\.monitoring\.svc\.cluster\.local:9090\) is the Service kube-prometheus-stack release "kube-prometheus-stack" creates/,
      ),
      expect.stringMatching(/^kiali: profile\.prometheus is "plain" but grafana\.url .* is the Service kube-prometheus-stack/),
    ]);
    // Left unset, the plain profile derives the Prometheus community chart's Service names.
    expect(findings({ profile: { prometheus: 'plain' } })).toEqual([]);
    const own = { prometheus: { url: 'http://prometheus-server.monitoring.svc:80' }, grafana: { url: 'http://grafana.monitoring.svc' } };
    expect(findings({ profile: { prometheus: 'plain' }, ...own })).toEqual([]);
    expect(findings({ profile: { prometheus: 'plain' }, kiali: { enabled: false }, ...kps })[0]).toMatch(/^dashboards: /);
  });

  it('Envoy head sampling below 100 % caps what tail sampling can keep', () => {
    const f = findings({ istio: { envoySamplingPercent: 50 } });
    expect(f).toEqual([
      expect.stringMatching(
        /^istio: istio\.envoySamplingPercent is 50: .*ordinary traces are kept at 50 % .*health checks at 5 %, \/metrics at 0\.5 %/,
      ),
    ]);
    expect(
      findings({
        istio: { envoySamplingPercent: 50 },
        tracing: { sampling: { defaultPercent: 0, healthCheckPercent: 0, metricsPercent: 0 } },
      }),
    ).toEqual([]);
  });

  it('the findings travel with the components warnings (what build prints and validate reports)', () => {
    const components = renderComponents(parseConfig({ istio: { envoySamplingPercent: 50 } }));
    expect(components.find((c) => c.name === 'istio')!.warnings).toEqual([expect.stringMatching(/^istio\.envoySamplingPercent is 50/)]);
  });
});
