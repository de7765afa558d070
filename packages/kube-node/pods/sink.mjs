// A webhook receiver on the node: records every request's method, path, headers and body; GET
// /received answers them as JSON. Runs in the demo service's image (Node) from a ConfigMap.
import { createServer } from 'node:http';

const received = [];
createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/received') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(received));
      return;
    }
    if (req.method === 'GET' && req.url === '/healthz') return res.end('ok');
    received.push({ method: req.method, path: req.url, headers: req.headers, body });
    res.end('{"ok":true}');
  });
}).listen(Number(process.env.PORT ?? 8080));

// PID 1 of its container: exit on SIGTERM, which Node does not do by default there.
process.on('SIGTERM', () => process.exit(0));
