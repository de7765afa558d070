// Production posture of every workload in the built bundle (and the Kiali server the operator renders
// from the Kiali CR): hardened, resourced, probed, replicated safely, policed, no secret values.
import { join } from 'node:path';
import { component, containerSecurityContext, type KubeObject, networkPolicy, podSecurityContext } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { auditWorkloads, formatViolation, workloadsOf } from '../src/audit.ts';
import { buildInMemory } from '../src/commands.ts';
import { REPO_CONFIG } from './helpers.ts';
import { KNOWN } from './known-findings.ts';

const VARIANTS = [REPO_CONFIG, join(import.meta.dirname, 'fixtures', 'valid', 'scaled-out.yaml')];

describe('workload posture of the built bundle', () => {
  it.each(VARIANTS)('holds for every workload built from %s, apart from known and owned findings', async (config) => {
    const { components } = await buildInMemory(config);
    expect(workloadsOf(components).length).toBeGreaterThan(0);
    const unknown = auditWorkloads(components).filter((v) => !KNOWN.posture.some((k) => k.workload === v.workload && k.rule === v.rule));
    expect(unknown.map(formatViolation)).toEqual([]);
  });
});

describe('the posture audit', () => {
  const labels = { app: 'x' };
  const hardened = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'ns' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: podSecurityContext(),
          containers: [
            {
              name: 'x',
              image: 'x:1',
              securityContext: containerSecurityContext(),
              resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
              livenessProbe: { httpGet: { path: '/', port: 80 } },
              readinessProbe: { httpGet: { path: '/', port: 80 } },
            },
          ],
        },
      },
    },
  });
  const policy = networkPolicy({ name: 'x', namespace: 'ns', labels, selector: labels }, { ingress: [{ ports: [{ port: 80 }] }] });

  it('passes a hardened single-replica workload with a NetworkPolicy', () => {
    expect(auditWorkloads([component('c', { objects: [hardened(1), policy] })])).toEqual([]);
  });

  it('names every rule a bare workload breaks', () => {
    const bare = hardened(3) as any;
    const c = bare.spec.template.spec.containers[0];
    delete bare.spec.template.spec.securityContext;
    c.securityContext = {};
    delete c.resources.limits;
    delete c.readinessProbe;
    c.env = [
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'p' } } },
    ];
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, stringData: { p: 'hunter2' } };
    const rules = auditWorkloads([component('c', { objects: [bare, secret as KubeObject] })]).map((v) => v.rule);
    expect(new Set(rules)).toEqual(
      new Set([
        'non-root',
        'read-only root fs',
        'drop ALL',
        'no privilege escalation',
        'seccomp RuntimeDefault',
        'requests and limits',
        'liveness and readiness probes',
        'PDB when replicas > 1',
        'anti-affinity when replicas > 1',
        'NetworkPolicy',
        'no secret values',
      ]),
    );
    expect(rules.filter((r) => r === 'no secret values')).toHaveLength(2);
  });

  it('finds a literal password in a plain file but accepts references', () => {
    const files = (content: string) => [component('c', { files: [{ path: 'config.yaml', content }] })];
    expect(auditWorkloads(files('exporters:\n  es:\n    password: ${env:ES_PASSWORD}\n'))).toEqual([]);
    expect(auditWorkloads(files('exporters:\n  es:\n    password: hunter2\n')).map((v) => v.detail)).toEqual([
      '"password" holds a literal value',
    ]);
  });
});
