// NetworkPolicy probe, run in pods that carry a peer's labels. `serve PORT...` listens on each TCP
// port (and answers DNS-less); `check JSON` tries each {host, port, protocol} once and prints one
// verdict per line: connected, refused (the kernel answered with a reset or an ICMP error, as a
// REJECT rule does), timeout, or, for UDP 53, answered/timeout of a DNS query.
import { Resolver } from 'node:dns/promises';
import { connect, createServer } from 'node:net';

// Run as a file (node probe.mjs MODE ...) or inline (node --input-type=module -e SRC -- MODE ...).
const argv = process.argv.slice(process.argv[1] && !process.argv[1].startsWith('-') && process.argv[1].endsWith('.mjs') ? 2 : 1);
const [mode, ...args] = argv[0] === '--' ? argv.slice(1) : argv;
// PID 1 of its container: exit on SIGTERM, which Node does not do by default there.
process.on('SIGTERM', () => process.exit(0));

if (mode === 'serve') {
  for (const p of args) createServer((s) => s.end()).listen(Number(p));
  // A source-only probe listens on nothing: stay up for the checks run in it.
  setInterval(() => {}, 1 << 30);
} else if (mode === 'check') {
  const flows = JSON.parse(args[0]);
  const timeoutMs = Number(process.env.PROBE_TIMEOUT_MS ?? 3000);
  const tcp = (host, port) =>
    new Promise((resolve) => {
      const s = connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        resolve('timeout');
      }, timeoutMs);
      s.on('connect', () => {
        clearTimeout(timer);
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e) => {
        clearTimeout(timer);
        resolve(e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' ? 'refused' : `error ${e.code}`);
      });
    });
  const dns = async (host) => {
    const r = new Resolver({ timeout: timeoutMs, tries: 1 });
    r.setServers([host]);
    try {
      await r.resolve4('kubernetes.default.svc.cluster.local');
      return 'connected';
    } catch (e) {
      return e.code === 'ECONNREFUSED' ? 'refused' : 'timeout';
    }
  };
  const results = await Promise.all(flows.map((f) => (f.protocol === 'UDP' ? dns(f.host) : tcp(f.host, f.port))));
  console.log(JSON.stringify(results));
} else {
  setInterval(() => {}, 1 << 30);
}
