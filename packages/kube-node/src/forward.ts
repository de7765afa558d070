// A byte pipe across the node's network namespace boundary, through a Unix socket in the node folder
// (a file, which both namespaces see). Two halves, each its own process:
//   node forward.ts unix SOCKET tcp HOST PORT    (inside the namespace: socket -> HOST:PORT there)
//   node forward.ts tcp 127.0.0.1 0 unix SOCKET  (outside: a loopback port -> socket; prints "listening <port>")
// So the tests and `meshobs verify` reach the node's API server at https://127.0.0.1:<port>, and
// nothing is routed into or out of the namespace.
import { connect, createServer, type Socket } from 'node:net';

/** `unix PATH` or `tcp HOST PORT`, from `args` at `at`; the index after it. */
function endpoint(args: string[], at: number): { kind: string; path?: string; host?: string; port?: number; next: number } {
  const kind = args[at];
  if (kind === 'unix') return { kind, path: args[at + 1], next: at + 2 };
  if (kind === 'tcp') return { kind, host: args[at + 1], port: Number(args[at + 2]), next: at + 3 };
  throw new Error(`usage: forward.ts unix PATH|tcp HOST PORT  unix PATH|tcp HOST PORT (got ${args.join(' ')})`);
}

const args = process.argv.slice(2);
const from = endpoint(args, 0);
const to = endpoint(args, from.next);

const target = (): Socket => (to.kind === 'unix' ? connect({ path: to.path! }) : connect({ host: to.host!, port: to.port! }));

const server = createServer((client) => {
  const upstream = target();
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});

if (from.kind === 'unix') server.listen(from.path!, () => console.log(`listening ${from.path}`));
else
  server.listen(from.port!, from.host!, () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : from.port}`);
  });

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
