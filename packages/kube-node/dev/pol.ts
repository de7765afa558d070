// Proof of life: a node with one static pod (pause image). Not part of the test tier.
import { startNode } from '../src/index.ts';

const node = await startNode();
try {
  console.log(node.kubectl(['get', 'nodes', '-o', 'wide']));
  console.log(node.kubectl(['get', 'pods', '-A', '-o', 'wide']));
} finally {
  if (!process.env.KEEP) await node.stop();
}
