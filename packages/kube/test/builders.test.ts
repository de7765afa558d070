import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_CHECKSUM_ANNOTATION,
  checksummedConfigMap,
  container,
  deployment,
  imageTag,
  type NamedPort,
  podTemplate,
  policyPorts,
  service,
  serviceMonitor,
  statefulSet,
  validateObjects,
} from '../src/index.ts';

const meta = { name: 'app', namespace: 'ns', labels: { app: 'app' } };
const ports: NamedPort[] = [
  { name: 'grpc-otlp', port: 4317, appProtocol: 'grpc' },
  { name: 'http-health', port: 13133 },
];
const probe = { path: '/', port: 'http-health', periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 };

function template(checksum?: string) {
  return podTemplate({
    labels: { app: 'app' },
    selector: { app: 'app' },
    configChecksum: checksum,
    automountServiceAccountToken: false,
    uid: 10001,
    terminationGracePeriodSeconds: 30,
    containers: [
      container({
        name: 'app',
        image: 'example/app:1.0.0',
        uid: 10001,
        ports,
        readiness: probe,
        liveness: { ...probe, initialDelaySeconds: 10 },
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
      }),
    ],
    volumes: [{ name: 'config', configMap: { name: 'app' } }],
  });
}

describe('config checksum', () => {
  it('is the SHA-256 prefix of the content and changes with it', () => {
    const a = checksummedConfigMap(meta, { 'config.yaml': 'a: 1\n' });
    const b = checksummedConfigMap(meta, { 'config.yaml': 'a: 2\n' });
    expect(a.checksum).toBe(createHash('sha256').update('a: 1\n').digest('hex').slice(0, 16));
    expect(a.checksum).not.toBe(b.checksum);
    expect(a.configMap.data).toEqual({ 'config.yaml': 'a: 1\n' });
  });

  it('lands on the pod template under one annotation key', () => {
    const t = template('0123456789abcdef');
    expect(t.metadata.annotations).toEqual({ [CONFIG_CHECKSUM_ANNOTATION]: '0123456789abcdef' });
    expect(template().metadata.annotations).toBeUndefined();
  });
});

describe('hardened pod template', () => {
  it('runs non-root with a read-only root filesystem and no capabilities', () => {
    const t = template();
    expect(t.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
    expect(t.spec!.containers[0]!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(t.spec!.containers[0]!.readinessProbe).toEqual({
      httpGet: { path: '/', port: 'http-health' },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
  });
});

describe('ports listed once', () => {
  it('give the container, Service and NetworkPolicy the same numbers', () => {
    const svc = service(meta, { selector: { app: 'app' }, ports: ports.slice(0, 1), targetPort: 'name' });
    expect(svc.spec!.ports).toEqual([{ name: 'grpc-otlp', port: 4317, targetPort: 'grpc-otlp', protocol: 'TCP', appProtocol: 'grpc' }]);
    const byNumber = service(meta, { selector: { app: 'app' }, ports, targetPort: 'number', headless: true });
    expect(byNumber.spec).toMatchObject({ clusterIP: 'None', ports: [{ targetPort: 4317 }, { targetPort: 13133 }] });
    expect(template().spec!.containers[0]!.ports).toEqual([
      { name: 'grpc-otlp', containerPort: 4317, protocol: 'TCP' },
      { name: 'http-health', containerPort: 13133, protocol: 'TCP' },
    ]);
    expect(policyPorts(ports)).toEqual([{ port: 4317 }, { port: 13133 }]);
  });
});

describe('every builder', () => {
  it("emits objects that pass their kind's schema", async () => {
    const objects = [
      checksummedConfigMap(meta, { 'config.yaml': 'a: 1\n' }).configMap,
      deployment(meta, { replicas: 2, revisionHistoryLimit: 5, selector: { app: 'app' }, template: template('abc') }),
      statefulSet(meta, {
        serviceName: 'app',
        replicas: 2,
        podManagementPolicy: 'Parallel',
        selector: { app: 'app' },
        template: template(),
      }),
      service(meta, { type: 'ClusterIP', selector: { app: 'app' }, ports, targetPort: 'name' }),
      serviceMonitor(meta, {
        release: 'kps',
        jobLabel: 'app.kubernetes.io/name',
        selector: { app: 'app' },
        namespaces: ['ns'],
        endpoints: [{ port: 'http-metrics', interval: '30s', scheme: 'http' }],
      }),
    ];
    expect(await validateObjects(objects)).toEqual([]);
    expect(objects[4]!.metadata.labels).toEqual({ app: 'app', release: 'kps' });
  });

  it('a Deployment without replicas of the right type fails the same schema check', async () => {
    const bad = deployment(meta, { replicas: 'two' as unknown as number, selector: { app: 'app' }, template: template() });
    expect((await validateObjects([bad])).length).toBe(1);
  });
});

describe('image version', () => {
  it('is the tag without a leading v, never a digest', () => {
    expect(imageTag('otel/opentelemetry-collector-contrib:0.161.0')).toBe('0.161.0');
    expect(imageTag('registry.example.com:5000/team/app:v1.2.3')).toBe('1.2.3');
    expect(imageTag(`example/app:1.2.3@sha256:${'a'.repeat(64)}`)).toBe('1.2.3');
    expect(imageTag(`registry.example.com:5000/team/app@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });
});
