import { execFileSync } from 'node:child_process';
import { createSandbox } from '../src/sandbox.ts';

const before = execFileSync(
  'sh',
  [
    '-c',
    'cat /proc/sys/vm/overcommit_memory /proc/sys/kernel/panic /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/ipv4/ip_forward; ip route; ip netns list; ls /run',
  ],
  { encoding: 'utf8' },
);
const sb = await createSandbox();
console.log(sb.id, sb.dir);
console.log(
  sb.run('sh', [
    '-c',
    'ip -br addr; ip route; cat /proc/sys/vm/overcommit_memory /proc/sys/kernel/panic; ls /sys/devices/system/cpu | head; ls /sys/fs/cgroup; ls /run /var/lib; cat /proc/self/cgroup | head -3',
  ]),
);
console.log(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }));
sb.stop();
const after = execFileSync(
  'sh',
  [
    '-c',
    'cat /proc/sys/vm/overcommit_memory /proc/sys/kernel/panic /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/ipv4/ip_forward; ip route; ip netns list; ls /run',
  ],
  { encoding: 'utf8' },
);
console.log(before === after ? 'machine unchanged' : `CHANGED:\n${before}\n---\n${after}`);
console.log(execFileSync('sh', ['-c', `ls -d /sys/fs/cgroup/*/${sb.id} 2>&1; ls -d ${sb.dir} 2>&1; true`], { encoding: 'utf8' }));
