// A throwaway Kubernetes API server: etcd + kube-apiserver (scripts/install-tools.sh cluster builds
// both) on free loopback ports, with a kubeconfig for kubectl. No controller-manager, scheduler or
// kubelet: objects are admitted and stored, never reconciled. Used by `meshobs validate` (server
// dry-run) and by the cluster test tier.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@meshobs/process';
import { type Daemon, startDaemon } from './daemon.ts';
import { throwIfInterrupted } from './signals.ts';

export interface ApiServerTools {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** A kubeconfig file whose only user is a system:masters token. */
  kubeconfig: string;
  /** The kubectl binary the two helpers below run. */
  kubectlBin: string;
  /** Runs kubectl against this server; returns stdout (throws with stderr on a non-zero exit). */
  kubectl(args: string[], input?: string): string;
  /** Like kubectl, but never throws: exit code and both outputs. */
  kubectlResult(args: string[], input?: string): KubectlResult;
  /** Stops kube-apiserver and etcd and removes their folder. Safe to call twice. */
  stop(): Promise<void>;
}

const TOKEN = 'meshobs-admin-token';

/** Service-account signing key pair (EC P-256: instant to generate; kube-apiserver signs ES256 with it). */
function writeCredentials(dir: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  // Static token file: token,user,uid,"group1,group2".
  writeFileSync(join(dir, 'tokens.csv'), `${TOKEN},meshobs-admin,meshobs-admin,"system:masters"\n`, { mode: 0o600 });
}

function kubeconfigYaml(url: string, caFile: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: meshobs',
    '    cluster:',
    `      server: ${url}`,
    `      certificate-authority: ${caFile}`,
    'users:',
    '  - name: admin',
    '    user:',
    `      token: ${TOKEN}`,
    'contexts:',
    '  - name: meshobs',
    '    context: { cluster: meshobs, user: admin }',
    'current-context: meshobs',
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
 * Starts etcd and kube-apiserver on free loopback ports in `dir` (a fresh temp folder when omitted)
 * and waits for /readyz. On any failure while starting, whatever was started is stopped and the
 * folder removed before the error is thrown.
 */
export async function startApiServer(tools: ApiServerTools, opts: { dir?: string; timeoutMs?: number } = {}): Promise<ApiServer> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'meshobs-apiserver-'));
  mkdirSync(dir, { recursive: true });
  const daemons: Daemon[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server first, so it does not log a storm of etcd errors while etcd goes away.
    for (const d of [...daemons].reverse()) await d.stop(10_000);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    writeCredentials(dir);
    const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
    const peer = `http://127.0.0.1:${etcdPeer}`;
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcdHealthy = async () => {
      try {
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.ok;
      } catch {
        return false;
      }
    };
    daemons.push(
      await startDaemon(
        'etcd',
        tools.etcd,
        [
          '--name=meshobs',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=meshobs=${peer}`,
          '--log-level=warn',
          // A throwaway single member: no fsync cost worth paying.
          '--unsafe-no-fsync',
        ],
        { ready: etcdHealthy, timeoutMs },
      ),
    );
    const url = `https://127.0.0.1:${securePort}`;
    const certDir = join(dir, 'certs');
    // No --tls-cert-file: kube-apiserver writes a self-signed serving certificate (with its CA) for the
    // advertise address into --cert-dir as apiserver.crt (k8s.io/apiserver pkg/server/options/serving.go,
    // MaybeDefaultWithSelfSignedCerts), which the kubeconfig then trusts.
    const caFile = join(certDir, 'apiserver.crt');
    daemons.push(
      await startDaemon(
        'kube-apiserver',
        tools.kubeApiserver,
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${securePort}`,
          `--cert-dir=${certDir}`,
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
        { ready: (out) => /Serving securely/.test(out) && existsSync(caFile), timeoutMs },
      ),
    );
    const ca = readFileSync(caFile);
    await waitUntil(() => readyz(url, ca), timeoutMs, 'kube-apiserver /readyz', 100);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(url, caFile), { mode: 0o600 });
    const kubectlResult = (args: string[], input?: string): KubectlResult => {
      const r = spawnSync(tools.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], {
        input,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      });
      throwIfInterrupted(r);
      return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    };
    const kubectl = (args: string[], input?: string) => {
      const r = kubectlResult(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
      return r.stdout;
    };
    return { url, kubeconfig, kubectlBin: tools.kubectl, kubectl, kubectlResult, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
