import { mergeConfig } from 'vitest/config';
import { e2e } from '../../vitest.shared.ts';

// valid-edge.e2e.test.ts validates two configs at a time (each in a CLI process of its own).
export default mergeConfig(e2e, { test: { maxConcurrency: 2 } });
