import { parseAllDocuments } from 'yaml';
import { monitorVerdicts, ruleProblems, runtimeProblems, workloadProblems } from '../test/checks.ts';
import { portForward } from '../test/kit.ts';
import { attach } from './attach.ts';

const node = attach();
const objects = parseAllDocuments(node.kubectl(['kustomize', node.bundle])).map((d) => d.toJS());
console.log('workloads', workloadProblems(node, objects));
console.log('runtime', runtimeProblems(node, objects));
const pf = await portForward(node, 'monitoring', 'svc/kube-prometheus-stack-prometheus', 9090);
try {
  console.log('monitors', await monitorVerdicts(pf.url, objects));
  const groups = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups);
  console.log('rules', await ruleProblems(pf.url, groups));
} finally {
  pf.stop();
}
