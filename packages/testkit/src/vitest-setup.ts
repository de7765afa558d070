// Loaded by every vitest run (vitest.shared.ts): whatever a test file put in the temp folder through
// tempDir() is gone when the file ends, passed or failed. Its afterAll runs after the file's own
// (vitest runs after-hooks in reverse order), so processes are stopped before their folders go.
import { afterAll } from 'vitest';
import { releasePorts, removeTempDirs, tempDir } from './process.ts';
import { TOOLS_BIN } from './tools.ts';

// The meshobs CLI finds its validators through MESHOBS_TOOLS_BIN or PATH only: point it at this
// repository's tool folder for every test (and every CLI a test spawns), unless the caller chose one.
process.env.MESHOBS_TOOLS_BIN ??= TOOLS_BIN;

// kubectl caches API discovery in ~/.kube/cache per server host:port. Test API servers listen on
// random loopback ports with CRD sets of their own, so a port seen in an earlier run would be answered
// from another server's cache: every kubectl a test runs caches in a folder of this file instead.
process.env.KUBECACHEDIR = tempDir('kube-cache');

afterAll(() => {
  removeTempDirs();
  // Every process the file started is stopped by now: its ports are free for other workers again
  // (vitest ends its workers with a signal, so their exit handlers do not run).
  releasePorts();
});
