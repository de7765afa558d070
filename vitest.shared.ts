import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const setupFiles = [fileURLToPath(new URL('./packages/testkit/src/vitest-setup.ts', import.meta.url))];

/** Unit tier: fast, no network, no long builds. */
export const unit = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles,
    exclude: ['test/**/*.e2e.test.ts', 'test/**/*.cluster.test.ts', 'test/**/*.node.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

/** E2E tier: real collector, Jaeger and search engine processes on loopback. */
export const e2e = defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    setupFiles,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});

/**
 * Cluster tier: the bundle against real etcd + kube-apiserver processes (~400 MB each). Two files at a
 * time: most of a file's time is kubectl and the API server waiting on each other, not both cores.
 */
/** Cluster-tier files that start API servers, longest first (a clean clone has no timing cache). */
const CLUSTER_LONGEST_FIRST = [
  'bundle-apply-operators',
  'bundle-apply',
  'istiod',
  'validate-verdicts',
  'validate',
  'valid-edge',
  'k8s-attributes',
];

/** Runs the long files first, so the two workers finish together; vitest would start with the largest files. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = CLUSTER_LONGEST_FIRST.indexOf(basename(f.moduleId).replace(/\.cluster\.test\.ts$/, ''));
      return i < 0 ? CLUSTER_LONGEST_FIRST.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export const cluster = defineConfig({
  test: {
    include: ['test/**/*.cluster.test.ts'],
    setupFiles,
    sequence: { sequencer: LongestFirst },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});

/**
 * Node tier: the bundle as pods on a real single-node Kubernetes (packages/kube-node). One file at a
 * time: each starts a node of its own (a few GB of pods), and the files share the machine's two cores.
 */
export const node = defineConfig({
  test: {
    include: ['test/**/*.node.test.ts'],
    setupFiles,
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
  },
});
