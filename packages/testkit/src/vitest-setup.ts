// Loaded by every vitest run (vitest.shared.ts): whatever a test file put in the temp folder through
// tempDir() is gone when the file ends, passed or failed. Its afterAll runs after the file's own
// (vitest runs after-hooks in reverse order), so processes are stopped before their folders go.
import { afterAll } from 'vitest';
import { removeTempDirs } from './process.ts';

afterAll(() => removeTempDirs());
