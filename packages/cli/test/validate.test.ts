import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '@meshobs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { findTool } from '../src/tools.ts';
import { VALIDATORS } from '../src/validators.ts';
import { meshobs, REPO_CONFIG } from './helpers.ts';

const TOOLS = ['promtool', 'amtool', 'otelcol-contrib', 'istioctl', 'checkov'];
const UNIT_TOOLS = ['promtool', 'amtool', 'checkov'];

describe('meshobs validate', () => {
  const env = { PATH: process.env.PATH, MESHOBS_TOOLS_BIN: process.env.MESHOBS_TOOLS_BIN, MESHOBS_CRDS_DIR: process.env.MESHOBS_CRDS_DIR };
  afterEach(() => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  /** No real validator can be found: an empty tool folder and an empty PATH. */
  const withoutTools = () => {
    process.env.MESHOBS_TOOLS_BIN = tempDir('no-tools');
    process.env.PATH = '';
  };

  /** A tool folder holding only the unit tier's tools (the cluster tools' path runs in the cluster tier). */
  const unitTools = () => {
    const bin = tempDir('unit-tools');
    for (const tool of UNIT_TOOLS) {
      const path = findTool(tool);
      if (path) symlinkSync(path, join(bin, tool));
    }
    process.env.MESHOBS_TOOLS_BIN = bin;
    process.env.PATH = dirname(process.execPath);
  };

  it('passes every validator on the example config with the real tools', async () => {
    // The collector and istioctl belong to the e2e and cluster tools; the rest is installed for this tier.
    unitTools();
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', 'otelcol-contrib,istioctl');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const v of VALIDATORS) expect(r.stdout).toMatch(new RegExp(`^(PASS|MISSING|SKIPPED|WARN)\\s+${v.name}`, 'm'));
    // The server dry-run is optional: without kube-apiserver it says so and validate still passes strictly.
    expect(r.stdout).toMatch(
      /^SKIPPED\s+server dry-run: kube-apiserver not found \(optional: with kube-apiserver from the Kubernetes server binaries/m,
    );
    expect(r.stdout).toMatch(/^PASS\s+promtool test rules/m);
    expect(r.stdout).toMatch(/^PASS\s+checkov security lint/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    // Which cluster it checked for, and where the CRs that cluster cannot take went.
    expect(r.stdout).toMatch(
      /^PASS\s+cluster profile: checked for: kube-prometheus-stack, Istio 1\.27, Kubernetes 1\.33, no extra operators, no metrics-server \(each replica range fixed at its minimum\); opt-in overlays\/grafana-operator \(3\), overlays\/kiali-operator \(1\)$/m,
    );
  }, 600_000); // checkov alone takes a minute on two cores

  it('fails when a validator cannot run, naming it and the flag that would accept it', async () => {
    withoutTools();
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^PASS\s+kubernetes schemas/m);
    expect(r.stdout).toMatch(/^MISSING\s+promtool check rules/m);
    expect(r.stderr).toContain(`--allow-missing ${TOOLS.join(',')}`);
  });

  it('passes with --allow-missing naming every absent tool, and only then', async () => {
    withoutTools();
    const all = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toMatch(/not run, allowed by --allow-missing: promtool check rules/);
    const some = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', 'checkov,amtool');
    expect(some.code).toBe(1);
    expect(some.stderr).toContain('--allow-missing promtool,otelcol-contrib,istioctl');
    // The name of this repository's collector build is accepted for the collector too.
    const alias = await meshobs(
      tempDir('validate'),
      'validate',
      '--config',
      REPO_CONFIG,
      '--allow-missing',
      'promtool,amtool,otelcol-meshobs,istioctl,checkov',
    );
    expect(alias.code, alias.stderr).toBe(0);
  });

  it('names where to get every missing tool: its official release, never a script of this repository', async () => {
    withoutTools();
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    const missing = r.stdout.split('\n').filter((l) => l.startsWith('MISSING'));
    expect(missing.length).toBeGreaterThanOrEqual(6);
    expect(r.stdout).not.toMatch(/install-tools|scripts\//);
    expect(r.stdout).toMatch(
      /^MISSING\s+promtool check rules: promtool not found \(get it from the Prometheus release archive .*or the Debian\/Ubuntu package prometheus\)$/m,
    );
    expect(r.stdout).toMatch(
      /^MISSING\s+amtool check-config: amtool not found \(get it from the Alertmanager release archive .*prometheus-alertmanager\)$/m,
    );
    expect(r.stdout).toMatch(
      /^MISSING\s+otelcol validate: none of otelcol-contrib, otelcol-meshobs found \(get it from the OpenTelemetry Collector Contrib release \(https:\/\/github\.com\/open-telemetry\/opentelemetry-collector-releases\/releases, otelcol-contrib_\d+\.\d+\.\d+_linux_amd64\.tar\.gz\)\)$/m,
    );
    expect(r.stdout).toMatch(
      /^MISSING\s+istioctl validate: istioctl not found \(get it from the Istio release \(https:\/\/github\.com\/istio\/istio\/releases/m,
    );
    expect(r.stdout).toMatch(/^MISSING\s+checkov security lint: checkov not found \(get it from pipx install checkov/m);
  });

  it.each([
    [
      'otelcol,foo',
      /unknown tool "otelcol", "foo"; the tools validate runs are promtool, amtool, otelcol-contrib, istioctl, checkov, etcd, kubectl, kube-apiserver, crds$/,
    ],
    ['chekov', /unknown tool "chekov" \(did you mean checkov\?\); the tools validate runs are promtool, /],
    ['checkov security lint', /unknown tool "checkov security lint"/],
  ])('--allow-missing %s is a usage error naming the unknown and the valid names, before anything runs', async (value, message) => {
    withoutTools();
    const dir = tempDir('validate');
    const r = await meshobs(dir, 'validate', '--config', REPO_CONFIG, '--allow-missing', value);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^meshobs: --allow-missing: ${message.source}`));
  });

  it('skips the server dry-run without kube-apiserver, and strict validate does not fail for it', async () => {
    withoutTools();
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SKIPPED\s+server dry-run: kube-apiserver not found/m);
    expect(r.stderr).not.toMatch(/server dry-run/);
  });

  it('once kube-apiserver is there, a missing etcd or CRD folder fails strict validate, naming it', async () => {
    withoutTools();
    const bin = process.env.MESHOBS_TOOLS_BIN!;
    // Only looked up here, never started: the missing piece is reported before anything runs.
    const fake = (name: string) => {
      writeFileSync(join(bin, name), '#!/bin/sh\nexit 1\n');
      chmodSync(join(bin, name), 0o755);
    };
    fake('kube-apiserver');
    const noEtcd = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(noEtcd.code).toBe(1);
    expect(noEtcd.stdout).toMatch(/^MISSING\s+server dry-run: kube-apiserver is installed but etcd is not/m);
    expect(noEtcd.stderr).toContain('--allow-missing etcd');
    fake('etcd');
    fake('kubectl');
    process.env.MESHOBS_CRDS_DIR = join(bin, 'no-crds-here');
    const noCrds = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(noCrds.code).toBe(1);
    expect(noCrds.stdout).toMatch(/^MISSING\s+server dry-run: no CRD folder at .*no-crds-here/m);
    expect(noCrds.stderr).toContain('--allow-missing crds');
    // Everything there, but etcd does not start (the fake exits 1): a failed verdict with its output, not a crash.
    process.env.MESHOBS_CRDS_DIR = tempDir('empty-crds');
    const broken = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^FAIL\s+server dry-run: the throwaway API server did not start\n\s+etcd exited \(1\)/m);
  });

  it("reports the profile mismatches and the components' warnings as findings, without failing", async () => {
    withoutTools();
    const dir = tempDir('validate-mismatch');
    writeFileSync(
      join(dir, 'm.yaml'),
      'namespaces:\n  monitoring: metrics\nprometheus:\n  url: http://kube-prometheus-stack-prometheus.monitoring.svc:9090\nkiali:\n  grafanaToken: { name: grafana-token, key: token }\n',
    );
    const r = await meshobs(dir, 'validate', '--config', 'm.yaml', '--allow-missing', TOOLS.join(','));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^WARN\s+profile checks: 2 findings/m);
    expect(r.stdout).toMatch(
      /^\s+alerts: prometheus\.url is a Service in namespace "monitoring", but namespaces\.monitoring is "metrics".*NetworkPolicies/m,
    );
    expect(r.stdout).toMatch(/^\s+alerts: .*reach no meshobs receiver/m);
    // The example config: only the warning the kiali component already gives (no Grafana token).
    const repo = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG, '--allow-missing', TOOLS.join(','));
    expect(repo.stdout).toMatch(/^WARN\s+profile checks: 1 findings/m);
    expect(repo.stdout).toMatch(/^\s+kiali: kiali\.grafanaToken is not set/m);
  });

  it('--allow-missing is an option of validate only', async () => {
    const r = await meshobs(tempDir('validate'), 'build', '--allow-missing', 'checkov');
    expect(r.code).toBe(2);
  });

  it('names the profile it checked when the config picks another one', async () => {
    const dir = tempDir('validate-profile');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/m.yaml`, 'profile:\n  prometheus: plain\n  operators: { kiali: true }\n  kubernetesVersion: "1.34"\n');
    withoutTools();
    const r = await meshobs(dir, 'validate', '--config', 'm.yaml');
    expect(r.stdout).toMatch(
      /^PASS\s+cluster profile: checked for: plain Prometheus \(no operator\), Istio 1\.27, Kubernetes 1\.34, operators: kiali-operator, no metrics-server \(each replica range fixed at its minimum\); opt-in overlays\/prometheus-operator \(\d+\), overlays\/grafana-operator \(3\)$/m,
    );
  });
});
