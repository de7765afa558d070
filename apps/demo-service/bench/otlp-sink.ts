import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback OTLP/HTTP endpoint that accepts and discards spans, counting what arrives. */
export async function startOtlpSink(): Promise<{ url: string; exports(): number; bytes(): number; close(): Promise<void> }> {
  let exports = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => {
      if (req.url === '/v1/traces') exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    bytes: () => bytes,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
