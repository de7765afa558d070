// A real single-node Kubernetes in its own network and mount namespaces (sandbox.ts): etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, containerd with runc and the CNI bridge,
// the kubelet, kube-proxy, kube-router's NetworkPolicy controller, and CoreDNS as a pod. Every
// address (node, pods, Services) exists only inside the namespace. The API server is reached from
// the machine at https://127.0.0.1:<port> through a Unix socket bridge (forward.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@meshobs/process';
import { requireTool, TOOLS_BIN } from '@meshobs/testkit';
import { coreDnsManifests } from './addons.ts';
import { type Daemon, startDaemon } from './daemons.ts';
import { STACK_IMAGES, writeImages } from './images.ts';
import { ADMIN_TOKEN, createPki, type Pki, writeKubeconfig } from './pki.ts';
import { createSandbox, NET, NODE_HOSTNAME, type Sandbox } from './sandbox.ts';

export const NODE_NAME = NODE_HOSTNAME;
const FORWARD = fileURLToPath(new URL('./forward.ts', import.meta.url));

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeNode {
  sandbox: Sandbox;
  pki: Pki;
  /** Kubeconfig for the machine side: https://127.0.0.1:<port>. */
  kubeconfig: string;
  kubectl(args: string[], input?: string): string;
  kubectlResult(args: string[], input?: string): KubectlResult;
  /** Imports an image tarball (OCI layout / docker archive) into containerd's k8s.io namespace. */
  importImage(tarball: string): void;
  /** Runs ctr against the node's containerd (namespace k8s.io); returns stdout. */
  ctr(args: string[]): string;
  /** Starts a program in the node's network namespace (and mount namespace unless mount is false). */
  daemon(name: string, cmd: string, args: string[], opts?: Parameters<typeof startDaemon>[4]): Promise<Daemon>;
  /** Stops everything and removes the sandbox. Safe to call twice. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  log?: (line: string) => void;
}

const tool = (name: string) => realpathSync(requireTool(name));

export async function startNode(opts: NodeOptions = {}): Promise<KubeNode> {
  const log = opts.log ?? ((l: string) => console.log(`[kube-node] ${l}`));
  const t0 = Date.now();
  const step = (what: string) => log(`${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const sb = await createSandbox();
  const procs: Daemon[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // For a failed run's report: the daemons' logs, copied out before the folder goes.
    const keep = process.env.MESHOBS_NODE_LOGS;
    if (keep) cpSync(join(sb.dir, 'logs'), join(keep, sb.id), { recursive: true });
    // The sweep SIGKILLs every process of the subtree; the Proc handles just see them exit.
    sb.stop();
    await Promise.all(procs.map((p) => p.stop(1000)));
  };
  const daemon = async (name: string, cmd: string, args: string[], o: Parameters<typeof startDaemon>[4] = {}) => {
    const p = await startDaemon(sb, name, cmd, args, o);
    procs.push(p);
    return p;
  };
  try {
    const dir = sb.dir;
    const pki = createPki(join(dir, 'pki'));
    step(`sandbox ${sb.id}`);

    await daemon(
      'etcd',
      tool('etcd'),
      [
        '--name=node',
        `--data-dir=${join(dir, 'etcd')}`,
        '--listen-client-urls=http://127.0.0.1:2379',
        '--advertise-client-urls=http://127.0.0.1:2379',
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        '--initial-cluster=node=http://127.0.0.1:2380',
        '--unsafe-no-fsync',
        '--log-level=info',
      ],
      { readyLog: /ready to serve client requests/ },
    );
    step('etcd');

    await daemon(
      'kube-apiserver',
      tool('kube-apiserver'),
      [
        '--etcd-servers=http://127.0.0.1:2379',
        '--bind-address=0.0.0.0',
        `--advertise-address=${NET.nodeIp}`,
        '--secure-port=6443',
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--kubelet-client-certificate=${pki.kubeletClientCert}`,
        `--kubelet-client-key=${pki.kubeletClientKey}`,
        // The node's address, not its name: no name is looked up for it.
        '--kubelet-preferred-address-types=InternalIP',
        `--token-auth-file=${pki.tokens}`,
        '--authorization-mode=Node,RBAC',
        '--anonymous-auth=false',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        `--service-cluster-ip-range=${NET.serviceCidr}`,
        '--allow-privileged=true',
        '--profiling=false',
        '--v=0',
      ],
      { readyLog: /Serving securely/ },
    );
    step('kube-apiserver');

    // The bridge: inside, a socket to the API server; outside, a loopback port to the socket.
    const sock = join(dir, 'apiserver.sock');
    await daemon('bridge-in', process.execPath, [FORWARD, 'unix', sock, 'tcp', '127.0.0.1', '6443'], { readyLog: /listening/ });
    const out = await daemon('bridge-out', process.execPath, [FORWARD, 'tcp', '127.0.0.1', '0', 'unix', sock], {
      readyLog: /listening \d+/,
      net: false,
    });
    const port = Number(/listening (\d+)/.exec(out.output())![1]);
    const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), `https://127.0.0.1:${port}`, pki.caCert);
    // The components' own kubeconfig: the API server as seen inside the namespace.
    const inner = writeKubeconfig(join(dir, 'kubeconfig.inner'), 'https://127.0.0.1:6443', pki.caCert);
    const kubectlBin = requireTool('kubectl');
    const kubectlResult = (args: string[], input?: string): KubectlResult => {
      const r = spawnSync(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], {
        input,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 300_000,
      });
      return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    };
    const kubectl = (args: string[], input?: string) => {
      const r = kubectlResult(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
      return r.stdout;
    };
    let readyz = '';
    await waitUntil(
      () => {
        const r = kubectlResult(['get', '--raw', '/readyz']);
        readyz = r.stderr || r.stdout;
        return r.code === 0;
      },
      120_000,
      'kube-apiserver /readyz',
      250,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${readyz.slice(-1500)}`);
    });
    step('API server ready');

    await daemon('kube-controller-manager', tool('kube-controller-manager'), [
      `--kubeconfig=${inner}`,
      `--authentication-kubeconfig=${inner}`,
      `--authorization-kubeconfig=${inner}`,
      '--bind-address=127.0.0.1',
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=true',
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${NET.podCidr}`,
      '--node-cidr-mask-size=24',
      `--service-cluster-ip-range=${NET.serviceCidr}`,
      '--leader-elect=false',
      '--controllers=*,-bootstrapsigner,-tokencleaner',
      '--v=0',
    ]);
    await daemon('kube-scheduler', tool('kube-scheduler'), [
      `--kubeconfig=${inner}`,
      `--authentication-kubeconfig=${inner}`,
      `--authorization-kubeconfig=${inner}`,
      '--bind-address=127.0.0.1',
      '--leader-elect=false',
      '--v=0',
    ]);
    step('controller-manager, scheduler');

    const runtime = await startRuntime(sb, daemon);
    step('containerd');
    const ctr = (args: string[]) => sb.run(runtime.ctr, ['--address', runtime.socket, '-n', 'k8s.io', ...args], { timeoutMs: 300_000 });
    const importImage = (tarball: string) => {
      ctr(['images', 'import', tarball]);
    };

    await startKubelet(sb, daemon, pki, inner, runtime.socket);
    await waitUntil(
      () => /True/.test(kubectlResult(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).stdout),
      180_000,
      `node ${NODE_NAME} Ready`,
      500,
    );
    step('kubelet, node Ready');
    // The API server's client certificate may use the kubelet API (logs, exec, port-forward).
    kubectl([
      'create',
      'clusterrolebinding',
      'meshobs-apiserver-kubelet',
      '--clusterrole=system:kubelet-api-admin',
      '--user=kube-apiserver-kubelet-client',
    ]);

    await startNetworking(sb, daemon, inner);
    step('kube-proxy, kube-router');
    for (const f of writeImages([STACK_IMAGES.pause.spec(), STACK_IMAGES.coredns.spec()])) importImage(f);
    kubectl(['apply', '-f', '-'], coreDnsManifests());
    kubectl(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=180s']);
    step('CoreDNS');

    return {
      sandbox: sb,
      pki,
      kubeconfig,
      kubectl,
      kubectlResult,
      importImage,
      ctr,
      daemon,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

type DaemonFn = (name: string, cmd: string, args: string[], o?: Parameters<typeof startDaemon>[4]) => Promise<Daemon>;

/** containerd (CRI) with runc and the CNI bridge; every path in the node folder. */
async function startRuntime(sb: Sandbox, daemon: DaemonFn): Promise<{ socket: string; ctr: string }> {
  const dir = join(sb.dir, 'containerd');
  const cniConf = join(sb.dir, 'cni', 'net.d');
  mkdirSync(cniConf, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  // CNI: one Linux bridge; pods get addresses of the node's pod CIDR, routed only inside the namespace.
  writeFileSync(
    join(cniConf, '10-meshobs.conflist'),
    JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: 'meshobs',
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: NET.nodePodCidr }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: join(sb.dir, 'cni', 'ipam'),
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ),
  );
  const cniBin = realpathSync(join(TOOLS_BIN, '..', 'cni-bin'));
  // containerd 2.x config version 3 (containerd v2.4.2 docs/cri/config.md).
  const config = `version = 3
root = '${join(dir, 'root')}'
state = '${join(dir, 'state')}'

[grpc]
  address = '${socket}'

[ttrpc]
  address = '${socket}.ttrpc'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = 'registry.k8s.io/pause:3.10.2'

[plugins.'io.containerd.cri.v1.runtime']
  # The machine's root lacks CAP_SYS_RESOURCE: the sandbox's oom_score_adj of -998 would be refused.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  tolerate_missing_hugetlb_controller = true
  disable_hugetlb_controller = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '${tool('runc')}'
        Root = '${join(dir, 'runc')}'
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['${cniBin}']
    conf_dir = '${cniConf}'

[plugins.'io.containerd.grpc.v1.cri']
  disable_tcp_service = true
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
`;
  const configFile = join(dir, 'config.toml');
  writeFileSync(configFile, config);
  const containerd = tool('containerd');
  await daemon('containerd', containerd, ['--config', configFile, '--log-level', 'warn'], {
    // The shim is found next to containerd (PATH).
    env: { PATH: `${join(containerd, '..')}:${process.env.PATH}` },
    ready: () => {
      try {
        sb.run(tool('ctr'), ['--address', socket, 'version'], { timeoutMs: 10_000 });
        return true;
      } catch {
        return false;
      }
    },
  });
  return { socket, ctr: tool('ctr') };
}

/** The kubelet (KubeletConfiguration v1beta1 of k8s.io/kubelet v0.36.3), with every path in the node folder. */
async function startKubelet(sb: Sandbox, daemon: DaemonFn, pki: Pki, kubeconfig: string, runtimeSocket: string): Promise<void> {
  const dir = join(sb.dir, 'kubelet');
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  mkdirSync(join(sb.dir, 'pod-logs'), { recursive: true });
  // Search domains of the node for ClusterFirst pods; no upstream name server: nothing resolves outside.
  writeFileSync(join(dir, 'resolv.conf'), '');
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // kubelet 1.35+ refuses cgroup v1 unless told otherwise (the CI machine is cgroup v1).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: sb.cgroupRoot,
    containerRuntimeEndpoint: `unix://${runtimeSocket}`,
    staticPodPath: join(dir, 'manifests'),
    podLogsDir: join(sb.dir, 'pod-logs'),
    address: NET.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'Webhook' },
    clusterDNS: [NET.dnsServiceIp],
    clusterDomain: 'cluster.local',
    resolvConf: join(dir, 'resolv.conf'),
    failSwapOn: false,
    // Reads the tunables only; the node's mount namespace shows it the values it expects (sandbox.ts).
    protectKernelDefaults: true,
    // Images are imported, never pulled: the image garbage collector must not remove them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    syncFrequency: '10s',
    nodeStatusUpdateFrequency: '5s',
    maxPods: 110,
  };
  writeFileSync(join(dir, 'config.yaml'), JSON.stringify(config, null, 2));
  await daemon('kubelet', tool('kubelet'), [
    `--config=${join(dir, 'config.yaml')}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${join(dir, 'root')}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NET.nodeIp}`,
    '--v=0',
  ]);
}

/**
 * Services and NetworkPolicies. kube-proxy (iptables mode) with every machine-wide conntrack setting
 * left alone (conntrack.maxPerCore 0 and the timeouts 0: k8s.io/kube-proxy v0.36.3
 * config/v1alpha1 "0 to leave as-is"). kube-router v2.1.0 with only its firewall (NetworkPolicy)
 * controller: iptables filter rules and ipsets, so the kernel drops what a policy forbids (REJECT,
 * pkg/controllers/netpol/pod.go).
 */
async function startNetworking(sb: Sandbox, daemon: DaemonFn, kubeconfig: string): Promise<void> {
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    bindAddress: '0.0.0.0',
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    mode: 'iptables',
    clusterCIDR: NET.podCidr,
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { localhostNodePorts: false },
    nodePortAddresses: ['primary'],
  };
  const file = join(sb.dir, 'kube-proxy.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  await daemon('kube-proxy', tool('kube-proxy'), [`--config=${file}`, '--v=0'], {
    readyLog: /Starting endpoint slice config controller|Caches are synced/,
  });
  await daemon(
    'kube-router',
    tool('kube-router'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--hostname-override=${NODE_NAME}`,
      '--run-firewall=true',
      '--run-router=false',
      '--run-service-proxy=false',
      '--run-loadbalancer=false',
      '--enable-cni=false',
      `--service-cluster-ip-range=${NET.serviceCidr}`,
      '--health-port=20244',
      '--metrics-port=0',
    ],
    { readyLog: /Starting network policy controller|netpol/i },
  );
}

export { ADMIN_TOKEN };
