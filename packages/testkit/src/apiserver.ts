// A real Kubernetes API server for tests: etcd + kube-apiserver (both built by
// scripts/install-tools.sh cluster) on loopback, free ports, with a kubeconfig for kubectl.
// No controller-manager, scheduler or kubelet: objects are stored and admitted, never reconciled.
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, tempDir, waitUntil, type Proc } from './process.ts';
import { requireTool } from './tools.ts';

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** A kubeconfig file whose only user is a system:masters token. */
  kubeconfig: string;
  /** Runs kubectl against this server; returns stdout (throws with stderr on a non-zero exit). */
  kubectl(args: string[], input?: string): string;
  /** Like kubectl, but never throws: exit code and combined output. */
  kubectlResult(args: string[], input?: string): { code: number; stdout: string; stderr: string };
  /** Runs a shell script with this server's kubeconfig as its last argument and $KUBECTL set; returns stdout. */
  shell(script: string): string;
  /** Stops kube-apiserver and etcd and removes their folders. Safe to call twice. */
  stop(): Promise<void>;
}

const TOKEN = 'meshobs-test-admin-token';

function openssl(args: string[], cwd: string) {
  execFileSync(requireTool('openssl'), args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Self-signed serving certificate for 127.0.0.1 and a service-account signing key pair. */
function writeCredentials(dir: string) {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', 'serving.key', '-out', 'serving.crt',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    dir,
  );
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  // Static token file: token,user,uid,"group1,group2".
  writeFileSync(join(dir, 'tokens.csv'), `${TOKEN},meshobs-admin,meshobs-admin,"system:masters"\n`);
}

function kubeconfigYaml(url: string, caFile: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: test',
    '    cluster:',
    `      server: ${url}`,
    `      certificate-authority: ${caFile}`,
    'users:',
    '  - name: admin',
    '    user:',
    `      token: ${TOKEN}`,
    'contexts:',
    '  - name: test',
    '    context: { cluster: test, user: admin }',
    'current-context: test',
    '',
  ].join('\n');
}

function readyz(url: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { ca, headers: { Authorization: `Bearer ${TOKEN}` }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts etcd and kube-apiserver on free loopback ports and waits for /readyz. On any failure
 * while starting, whatever was started is stopped and the folder removed before the error is thrown.
 */
export async function startApiServer(opts: { timeoutMs?: number } = {}): Promise<ApiServer> {
  const etcdBin = requireTool('etcd');
  const apiBin = requireTool('kube-apiserver');
  const kubectlBin = requireTool('kubectl');
  const dir = tempDir('apiserver');
  const procs: Proc[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server first, so it does not log a storm of etcd errors while etcd goes away.
    for (const p of [...procs].reverse()) await p.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeCredentials(dir);
    const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
    const peer = `http://127.0.0.1:${etcdPeer}`;
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    procs.push(
      await startProcess(
        'etcd',
        etcdBin,
        [
          '--name=test',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=test=${peer}`,
          '--log-level=warn',
          // A throwaway single member: no fsync cost worth paying in tests.
          '--unsafe-no-fsync',
        ],
        { readyUrl: `${etcdUrl}/health`, timeoutMs: 30_000 },
      ),
    );
    const url = `https://127.0.0.1:${securePort}`;
    procs.push(
      await startProcess(
        'kube-apiserver',
        apiBin,
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${securePort}`,
          `--cert-dir=${join(dir, 'certs')}`,
          `--tls-cert-file=${join(dir, 'serving.crt')}`,
          `--tls-private-key-file=${join(dir, 'serving.key')}`,
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          '--anonymous-auth=false',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          // Only an allocation range for Service cluster IPs; nothing is routed there.
          '--service-cluster-ip-range=10.96.0.0/16',
          // No kubelets or endpoints to reconcile: the API server must not write its own Endpoints.
          '--endpoint-reconciler-type=none',
          // The default admission chain stays as it is (NamespaceLifecycle included): the bundle
          // creates workloads, never bare pods, so nothing waits for a controller to admit it.
          '--profiling=false',
          '--v=0',
        ],
        { readyLog: /Serving securely/, timeoutMs: 120_000 },
      ),
    );
    const ca = readFileSync(join(dir, 'serving.crt'));
    await waitUntil(() => readyz(url, ca), 120_000, 'kube-apiserver /readyz', 250);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(url, join(dir, 'serving.crt')));
    const kubectlResult = (args: string[], input?: string) => {
      try {
        const stdout = execFileSync(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], {
          input,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr: '' };
      } catch (e) {
        const err = e as { status?: number; stdout?: string; stderr?: string };
        return { code: err.status ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
      }
    };
    const kubectl = (args: string[], input?: string) => {
      const r = kubectlResult(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
      return r.stdout;
    };
    const shell = (script: string) =>
      execFileSync('sh', [script, `--kubeconfig=${kubeconfig}`], {
        encoding: 'utf8',
        env: { ...process.env, KUBECTL: kubectlBin },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    return { url, kubeconfig, kubectl, kubectlResult, shell, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
