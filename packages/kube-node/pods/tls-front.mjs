// The search engine's TLS front: terminates HTTPS with the certificate the bundle's Jaeger trusts
// (Secret elasticsearch-ca) and passes the bytes to the node's OpenSearch. Runs in the demo service's
// image (Node) from a ConfigMap, with the search engine's pod labels.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createServer } from 'node:tls';

const [host, port] = process.env.UPSTREAM.split(':');
createServer({ key: readFileSync('/tls/tls.key'), cert: readFileSync('/tls/tls.crt') }, (client) => {
  const upstream = connect({ host, port: Number(port) });
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
}).listen(Number(process.env.PORT ?? 9200));

// PID 1 of its container: exit on SIGTERM, which Node does not do by default there.
process.on('SIGTERM', () => process.exit(0));
