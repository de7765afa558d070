// The node's sandbox: a network namespace and a mount namespace of its own, a cgroup subtree of its
// own in every cgroup hierarchy, and a folder. Every process of the node runs in that cgroup
// subtree, so one sweep stops them all: the tier's stop(), and a watchdog that runs the same sweep
// if the test process dies without stopping the node (SIGKILL, a crash). Nothing of the machine is
// changed: no route, no firewall rule, no sysctl (see docs/node-tier.md), and every mount is made
// inside the node's own mount namespace, which the kernel removes with its last process.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@meshobs/process';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The addresses of the node; they exist only inside its network namespace. */
export const NET = {
  nodeIp: '10.250.0.1',
  nodeCidr: '10.250.0.1/24',
  podCidr: '10.244.0.0/16',
  nodePodCidr: '10.244.0.0/24',
  serviceCidr: '10.96.0.0/16',
  apiServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  /** A bridge without ports: the node's address and default route, so nothing sent there can leave. */
  nodeInterface: 'meshobs0',
} as const;

/**
 * The kubelet's kernel tunables (k8s.io/kubernetes v1.36.3 pkg/kubelet/cm/container_manager_linux.go
 * setupKernelTunables; values from k8s.io/component-helpers node/util/sysctl). Machine-wide settings:
 * inside the node's mount namespace each of these /proc/sys files is covered by a private file that
 * already holds the value the kubelet expects, and the kubelet runs with protectKernelDefaults (it only
 * reads them). The machine's own values are never written.
 */
/** The node's name (the kubelet's --hostname-override). */
export const NODE_HOSTNAME = 'meshobs-node';

export const KUBELET_TUNABLES: Record<string, string> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
};

export interface Sandbox {
  /** meshobs-node-<hex>: the network namespace's name, the cgroup subtree's and the folder's prefix. */
  id: string;
  dir: string;
  /** The cgroup path (relative to each hierarchy) the kubelet puts its pods under. */
  cgroupRoot: string;
  /**
   * argv prefix: joins the node's cgroup, then its network namespace (unless net is false) and mount
   * namespace (unless mount is false), then execs the program.
   */
  enter(opts?: { net?: boolean; mount?: boolean }): string[];
  /** Runs a program inside the node (both namespaces); returns stdout, throws with stderr. */
  run(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): string;
  /** The machine's /proc/sys values of the kubelet tunables, read now (for the before/after check). */
  machineTunables(): Record<string, string>;
  /** Kills every process of the node, removes its cgroups, namespace and folder. Safe to call twice. */
  stop(): void;
}

/** Every cgroup v1 hierarchy (and the v2 one of a hybrid host) the node creates its subtree in. */
function hierarchies(): string[] {
  return readdirSync(CGROUP_ROOT)
    .map((h) => join(CGROUP_ROOT, h))
    .filter((h) => existsSync(join(h, 'cgroup.procs')));
}

/**
 * The sweep, as a shell script (it must also run from the watchdog, after the test process is gone):
 * freeze the subtree so nothing forks, SIGKILL every process in it, thaw, remove the cgroups
 * deepest first, delete the namespace's name, remove the folder.
 */
function sweepScript(id: string, dir: string): string {
  return `
ID='${id}'; DIR='${dir}'
F=${CGROUP_ROOT}/freezer/$ID
[ -d "$F" ] && echo FROZEN > "$F/freezer.state" 2>/dev/null
i=0
while [ $i -lt 100 ]; do
  pids=$(find ${CGROUP_ROOT}/*/$ID -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
  [ -z "$pids" ] && break
  kill -9 $pids 2>/dev/null
  [ -d "$F" ] && echo THAWED > "$F/freezer.state" 2>/dev/null
  sleep 0.1
  i=$((i+1))
done
for h in ${CGROUP_ROOT}/*/$ID; do [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \\; 2>/dev/null; done
ip netns delete "$ID" 2>/dev/null
# ip netns made /run/netns (a mount of its own) for this node: remove it again if nothing else uses it.
if [ -f "$DIR/.created-run-netns" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then umount -n /run/netns 2>/dev/null; rmdir /run/netns 2>/dev/null; fi
rm -rf "$DIR"
`;
}

function cgroupDirs(id: string, sub = ''): string[] {
  return hierarchies().map((h) => join(h, id, sub));
}

/** Creates the subtree in every hierarchy; cpuset needs its cpus and mems copied from the parent first. */
function createCgroups(id: string, subs: string[]): void {
  for (const h of hierarchies()) {
    for (const rel of ['', ...subs]) {
      const dir = join(h, id, rel);
      mkdirSync(dir, { recursive: true });
      if (h.endsWith('/cpuset'))
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          const parent = readFileSync(join(dir, '..', f), 'utf8').trim();
          writeFileSync(join(dir, f), parent);
        }
    }
  }
}

/** Creates the namespaces, cgroups and folder, and starts the watchdog. */
export async function createSandbox(): Promise<Sandbox> {
  const id = `meshobs-node-${randomBytes(4).toString('hex')}`;
  const dir = join(tmpdir(), id);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const sweep = sweepScript(id, dir);
  // The watchdog: outside the subtree (the sweep must not kill it), detached from the test process.
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done\n${sweep}`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    execFileSync('sh', ['-c', sweep], { stdio: 'ignore', timeout: 60_000 });
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  try {
    createCgroups(id, ['daemons']);
    const procs = cgroupDirs(id, 'daemons').map((d) => join(d, 'cgroup.procs'));
    const join_ = `for f in ${procs.join(' ')}; do echo $$ > "$f"; done; exec "$@"`;
    // The holder keeps both namespaces alive; everything else joins them by its pid.
    const holder = spawn('sh', ['-c', join_, 'sh', 'unshare', '--net', '--mount', '--propagation', 'private', '--', 'sleep', 'infinity'], {
      stdio: 'ignore',
    });
    let holderPid = 0;
    await waitUntil(
      () => {
        if (holder.exitCode !== null) throw new Error(`the namespace holder exited (${holder.exitCode})`);
        // Once unshare has exec'd sleep, the pid's network namespace differs from ours.
        try {
          const ns = execFileSync('readlink', [`/proc/${holder.pid}/ns/net`], { encoding: 'utf8' });
          const ours = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
          if (ns !== ours && readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim() === 'sleep') holderPid = holder.pid!;
        } catch {
          return false;
        }
        return holderPid > 0;
      },
      30_000,
      'the node namespace holder',
      50,
    );
    const enter = (o: { net?: boolean; mount?: boolean } = {}) => [
      'sh',
      '-c',
      join_,
      'sh',
      ...(o.net === false ? [] : ['nsenter', `--target=${holderPid}`, '--net', ...(o.mount === false ? [] : ['--mount']), '--']),
    ];
    const run = (cmd: string, args: string[], o: { input?: string; timeoutMs?: number } = {}) => {
      const [c, ...pre] = enter();
      return execFileSync(c!, [...pre, cmd, ...args], {
        encoding: 'utf8',
        input: o.input,
        timeout: o.timeoutMs ?? 60_000,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
    };
    // A name for the network namespace (ip netns list / ip netns exec), removed by the sweep.
    if (!existsSync('/run/netns')) writeFileSync(join(dir, '.created-run-netns'), '');
    execFileSync('ip', ['netns', 'attach', id, String(holderPid)], { stdio: 'pipe' });
    setupMounts(run, dir);
    setupNetwork(run);
    const machineTunables = () =>
      Object.fromEntries(Object.keys(KUBELET_TUNABLES).map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));
    return { id, dir, cgroupRoot: `/${id}`, enter, run, machineTunables, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Mounts inside the node's mount namespace only: private tmpfs over the machine-wide folders the
 * kubelet, containerd and the CNI plugins write to whatever their configuration says (/run for
 * containerd's shim sockets and the xtables lock, /var/log for /var/log/containers, /var/lib for
 * /var/lib/cni), a sysfs of the node's network namespace with the machine's cgroup hierarchies on it,
 * the kubelet's tunables (KUBELET_TUNABLES), and the node folder as a shared mount (the kubelet's
 * mount propagation).
 */
function setupMounts(run: Sandbox['run'], dir: string): void {
  const tunables = join(dir, 'sysctl');
  mkdirSync(tunables, { recursive: true });
  const binds: string[] = [];
  for (const [key, value] of Object.entries(KUBELET_TUNABLES)) {
    const file = join(tunables, key.replaceAll('/', '.'));
    writeFileSync(file, `${value}\n`);
    binds.push(`mount -n --bind '${file}' '/proc/sys/${key}'`);
  }
  // Name resolution inside the node: the node's own name, and no name server (nothing is looked up
  // outside the namespace; the pods use CoreDNS).
  writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost\n${NET.nodeIp} ${NODE_HOSTNAME}\n`);
  writeFileSync(join(dir, 'resolv.conf'), '');
  const cgroups = join(dir, 'cgroup-hold');
  mkdirSync(cgroups);
  run('sh', [
    '-ec',
    [
      // First /run: util-linux keeps its mount table under /run/mount; -n skips it anyway.
      'mount -n -t tmpfs -o mode=755 tmpfs /run',
      `mount -n --rbind ${CGROUP_ROOT} '${cgroups}'`,
      'mount -n -t sysfs sysfs /sys',
      `mount -n --rbind '${cgroups}' ${CGROUP_ROOT}`,
      `umount -n -l '${cgroups}'`,
      'mount -n -t tmpfs -o mode=755 tmpfs /var/log',
      'mount -n -t tmpfs -o mode=755 tmpfs /var/lib',
      ...binds,
      `mount -n --bind '${join(dir, 'hosts')}' /etc/hosts`,
      `mount -n --bind '${join(dir, 'resolv.conf')}' /etc/resolv.conf`,
      `mount -n --bind '${dir}' '${dir}'`,
      `mount -n --make-rshared '${dir}'`,
    ].join('\n'),
  ]);
}

/** Loopback, the node's address on a dummy interface, and a default route on it (inside the namespace). */
function setupNetwork(run: Sandbox['run']): void {
  run('sh', [
    '-ec',
    [
      'ip link set lo up',
      `ip link add ${NET.nodeInterface} type bridge`,
      `ip addr add ${NET.nodeCidr} dev ${NET.nodeInterface}`,
      `ip link set ${NET.nodeInterface} up`,
      `ip route add default dev ${NET.nodeInterface}`,
      // Pod-to-pod traffic crosses the CNI bridge: br_netfilter makes it visible to the NetworkPolicy
      // rules (per network namespace since Linux 5.3).
      'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables',
      'echo 1 > /proc/sys/net/ipv4/ip_forward',
    ].join('\n'),
  ]);
}
