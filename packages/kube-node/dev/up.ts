// Development: the default bundle on a node that stays up until this process gets SIGTERM/SIGINT.
// Prints the kubeconfig path. Not part of the test tier.
import { writeFileSync } from 'node:fs';
import { buildProfile, startTier } from '../test/kit.ts';

const profile = await buildProfile(
  process.env.PROFILE ?? 'default',
  process.env.PROFILE === 'plain' ? { profile: { prometheus: 'plain' } } : {},
);
const tier = await startTier(profile);
tier.node.kubectl(['apply', '--server-side', '-k', profile.bundleDir]);
writeFileSync(
  '/tmp/meshobs-dev-node.json',
  JSON.stringify({
    kubeconfig: tier.node.kubeconfig,
    bundle: profile.bundleDir,
    config: profile.configFile,
    dir: tier.node.sandbox.dir,
    id: tier.node.sandbox.id,
  }),
);
console.log('UP', tier.node.kubeconfig);
const stop = async () => {
  await tier.node.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
