// Where a user gets each program `meshobs validate` runs: the official release of its project (or a
// distribution package of it), never a script of this repository, which is not in the package. One home
// for these facts: the missing-tool verdicts, `--allow-missing` and docs/ci.md's table (held to this list
// by test/tool-sources.test.ts) all read it.
import { IMAGES } from '@meshobs/kube';
import type { Verdict } from './validators.ts';

/** The collector release the bundle deploys (its image tag): the otelcol-contrib to validate with. */
export const COLLECTOR_VERSION = IMAGES.otelCollector.ref.split(':')[1]!;
/** The checkov release meshobs is tested with (tools/versions.env CHECKOV_VERSION; test/ci-doc.test.ts holds the two together). */
export const CHECKOV_VERSION = '3.3.30';

export const TOOL_SOURCES = {
  // prometheus/prometheus .promu.yml: the release archive prometheus-<version>.linux-amd64.tar.gz holds
  // promtool beside prometheus; Debian's "prometheus" package installs /usr/bin/promtool.
  promtool:
    'the Prometheus release archive (https://github.com/prometheus/prometheus/releases, prometheus-<version>.linux-amd64.tar.gz) or the Debian/Ubuntu package prometheus',
  // prometheus/alertmanager .promu.yml: alertmanager-<version>.linux-amd64.tar.gz holds amtool; Debian's
  // "prometheus-alertmanager" package installs /usr/bin/amtool.
  amtool:
    'the Alertmanager release archive (https://github.com/prometheus/alertmanager/releases, alertmanager-<version>.linux-amd64.tar.gz) or the Debian/Ubuntu package prometheus-alertmanager',
  // open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/.goreleaser.yaml: binary
  // otelcol-contrib, archives '{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}', the same build as the
  // otel/opentelemetry-collector-contrib image the bundle runs.
  'otelcol-contrib': `the OpenTelemetry Collector Contrib release (https://github.com/open-telemetry/opentelemetry-collector-releases/releases, otelcol-contrib_${COLLECTOR_VERSION}_linux_amd64.tar.gz)`,
  istioctl: 'the Istio release (https://github.com/istio/istio/releases, istioctl-<version>-linux-amd64.tar.gz)',
  checkov: `pipx install checkov==${CHECKOV_VERSION} (the version meshobs is tested with)`,
  etcd: 'the etcd release archive (https://github.com/etcd-io/etcd/releases, etcd-v<version>-linux-amd64.tar.gz)',
  kubectl: 'the Kubernetes release (https://kubernetes.io/releases/download/)',
  'kube-apiserver': 'the Kubernetes server binaries (https://kubernetes.io/releases/download/, kubernetes-server-linux-amd64.tar.gz)',
  crds: "the CRDs of Istio's release (manifests/charts/base/files/crd-all.gen.yaml) and of prometheus-operator's (example/prometheus-operator-crd), in one folder named by MESHOBS_CRDS_DIR",
};

export type ToolName = keyof typeof TOOL_SOURCES;

/**
 * Collector distributions that can check the bundle's collector config (`<binary> validate`), first found
 * wins: the upstream contrib distribution the bundle deploys, then the builder distribution this
 * repository's tests run (tools/otelcol-builder.yaml: a subset of contrib's components at the same release).
 */
export const COLLECTORS = ['otelcol-contrib', 'otelcol-meshobs'] as const;

/** Other names `--allow-missing` accepts for a tool. */
export const TOOL_ALIASES: Record<string, ToolName> = { 'otelcol-meshobs': 'otelcol-contrib' };

export const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_SOURCES, name);

/** The verdict of a validator whose program is not installed: what it needs and where to get it. */
export const missingTool = (validator: string, tool: ToolName, what = `${tool} not found`): Verdict => ({
  validator,
  status: 'missing',
  tool,
  detail: `${what} (get it from ${TOOL_SOURCES[tool]})`,
});
