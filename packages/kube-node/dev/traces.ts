import { getJson, portForward } from '../test/kit.ts';
import { load, send } from '../test/traffic.ts';
import { attach } from './attach.ts';

const node = attach();
const demo = await portForward(node, 'podinfo', 'svc/podinfo', 9898);
const jaeger = await portForward(node, 'observability', 'svc/jaeger-query', 16686);
try {
  const t0 = Date.now();
  const codes = await load(20, 4, (i) =>
    send(demo.url, '/echo', { method: 'POST', body: `hello ${i}`, userAgent: 'meshobs-node-ordinary', requestId: `ord-${i}` }),
  );
  console.log('codes', codes.join(','), Date.now() - t0, 'ms');
  const h = await load(100, 8, () => send(demo.url, '/healthz', { userAgent: 'meshobs-node-health' }));
  console.log('health', h.filter((c) => c === 200).length, Date.now() - t0, 'ms');
  for (let k = 0; k < 20; k++) {
    await new Promise((r) => setTimeout(r, 3000));
    const q = (ua: string, op: string) =>
      getJson(
        `${jaeger.url}/api/traces?service=podinfo&operation=${encodeURIComponent(op)}&tags=${encodeURIComponent(JSON.stringify({ user_agent: ua }))}&limit=2000&lookback=1h`,
      );
    const ord = await q('meshobs-node-ordinary', 'POST /echo');
    const hh = await q('meshobs-node-health', 'GET /healthz');
    console.log(k, 'ordinary', ord.data.length, 'health', hh.data.length);
    if (ord.data.length >= 20) {
      const t = ord.data[0];
      console.log(
        JSON.stringify(
          Object.values(t.processes).map((p: any) => [p.serviceName, p.tags.map((x: any) => `${x.key}=${x.value}`).join(' ')]),
          null,
          1,
        ).slice(0, 3000),
      );
      console.log(
        t.spans
          .map(
            (s: any) =>
              `${s.operationName} ${s.processID} ${s.tags
                .filter((x: any) => ['environment', 'cluster_name', 'pod_name', 'namespace', 'request_id', 'user_agent'].includes(x.key))
                .map((x: any) => `${x.key}=${x.value}`)
                .join(' ')}`,
          )
          .join('\n'),
      );
      break;
    }
  }
} finally {
  demo.stop();
  jaeger.stop();
}
