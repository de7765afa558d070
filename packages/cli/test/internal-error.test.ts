// A bug in meshobs (here: a renderer that throws) is one line saying so and how to report it; the
// stack only with --debug. It is never reported as an invalid config.

import { tempDir } from '@meshobs/testkit';
import { describe, expect, it, vi } from 'vitest';
import { meshobs, REPO_CONFIG } from './helpers.ts';

vi.mock('../src/render.ts', () => ({
  renderComponents: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'port')");
  },
}));

describe('internal errors', () => {
  it('print one line with how to report it, exit 1, and no stack', async () => {
    const r = await meshobs(tempDir('internal'), 'build', '--config', REPO_CONFIG, '--out', 'bundle');
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(
      "meshobs: internal error: Cannot read properties of undefined (reading 'port') " +
        '(this is a bug in meshobs: please report it with the command, the config and the output of --debug)',
    );
    expect(lines.slice(1)).toEqual(['meshobs: run again with --debug for the stack']);
    expect(r.stderr).not.toMatch(/invalid meshobs config/);
  });

  it('print the stack with --debug', async () => {
    const r = await meshobs(tempDir('internal'), 'build', '--config', REPO_CONFIG, '--out', 'bundle', '--debug');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^TypeError: Cannot read properties[\s\S]*\n\s+at /m);
  });
});
