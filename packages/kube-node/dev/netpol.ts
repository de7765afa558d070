import { readFileSync } from 'node:fs';
import { parseConfig } from '@meshobs/config';
import { parse, parseAllDocuments } from 'yaml';
import { contractFlows, tryFlows } from '../test/netpol.ts';
import { attach } from './attach.ts';

const node = attach();
const objects = parseAllDocuments(node.kubectl(['kustomize', node.bundle])).map((d) => d.toJS());
const config = parseConfig(parse(readFileSync(node.config, 'utf8')));
const flows = contractFlows(config, objects);
console.log(flows.length, 'flows');
const t0 = Date.now();
const verdicts = await tryFlows(node, flows);
console.log('took', Date.now() - t0);
for (const v of verdicts) {
  const ok = v.required ? v.verdict === 'connected' : v.verdict !== 'connected';
  if (!ok) console.log('WRONG', v.required ? 'required' : 'forbidden', v.verdict, v.flow.why, `${v.flow.to.namespace}:${v.flow.port}`);
}
console.log(
  verdicts
    .filter((v) => v.required)
    .map((v) => v.verdict)
    .reduce((a: any, v) => ((a[v] = (a[v] ?? 0) + 1), a), {}),
);
console.log(
  verdicts
    .filter((v) => !v.required)
    .map((v) => v.verdict)
    .reduce((a: any, v) => ((a[v] = (a[v] ?? 0) + 1), a), {}),
);
