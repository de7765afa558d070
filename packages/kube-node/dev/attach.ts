// Development: a KubeNode-like handle on the node dev/up.ts keeps running (kubectl, ctr).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function attach(): any {
  const info = JSON.parse(readFileSync('/tmp/meshobs-dev-node.json', 'utf8'));
  const procs = readFileSync(`/sys/fs/cgroup/pids/${info.id}/daemons/cgroup.procs`, 'utf8').trim().split('\n');
  const holder = procs.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep')!;
  const kubectlResult = (args: string[], input?: string) => {
    const r = spawnSync('kubectl', [`--kubeconfig=${info.kubeconfig}`, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    ...info,
    kubeconfig: info.kubeconfig,
    kubectlResult,
    kubectl: (args: string[], input?: string) => {
      const r = kubectlResult(args, input);
      if (r.code) throw new Error(r.stderr);
      return r.stdout;
    },
    ctr: (args: string[]) =>
      execFileSync(
        'nsenter',
        [
          `--target=${holder}`,
          '--net',
          '--mount',
          '--',
          '/work/wt/node/.tools/bin/ctr',
          '--address',
          join(info.dir, 'containerd', 'containerd.sock'),
          '-n',
          'k8s.io',
          ...args,
        ],
        { encoding: 'utf8' },
      ),
    sandbox: {
      dir: info.dir,
      id: info.id,
      run: (cmd: string, args: string[]) =>
        execFileSync('nsenter', [`--target=${holder}`, '--net', '--mount', '--', cmd, ...args], { encoding: 'utf8' }),
    },
  };
}
