// A byte pipe across the node's network namespace boundary, through a Unix socket in the node folder
// (a file, which both namespaces see). Two halves, each its own process:
//   node forward.ts unix SOCKET tcp HOST PORT    (inside the namespace: socket -> HOST:PORT there)
//   node forward.ts tcp 127.0.0.1 0 unix SOCKET  (outside: a loopback port -> socket; prints "listening <port>")
// So the tests and `meshobs verify` reach the node's API server at https://127.0.0.1:<port>, and
// nothing is routed into or out of the namespace.
import { connect, createServer, type Socket } from 'node:net';

const [, , fromKind, a, b, toKind, c, d] = process.argv;

const target = (): Socket => (toKind === 'unix' ? connect({ path: c! }) : connect({ host: c!, port: Number(d) }));

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

if (fromKind === 'unix') server.listen(a!, () => console.log(`listening ${a}`));
else
  server.listen(Number(b), a!, () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : b}`);
  });

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
