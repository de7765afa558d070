// A bug in meshobs (a renderer that throws on a valid config, a schema check that crashes) is one line
// saying so and how to report it, exit 3; the stack only with --debug. It is never reported as an
// invalid config. The faults are injected into the real packages the CLI imports.

import { ConfigError, defaultConfig } from '@meshobs/config';
import { tempDir } from '@meshobs/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InternalError, REPORT_HINT } from '../src/errors.ts';
import { renderAll } from '../src/render.ts';
import { meshobs, REPO_CONFIG } from './helpers.ts';

const fault = vi.hoisted(() => ({ renderer: false, schema: false }));

vi.mock('@meshobs/kiali', async (original) => {
  const real = await original<typeof import('@meshobs/kiali')>();
  return {
    ...real,
    renderKiali: (config: Parameters<typeof real.renderKiali>[0]) => {
      if (fault.renderer) throw new TypeError("Cannot read properties of undefined (reading 'port')");
      return real.renderKiali(config);
    },
  };
});

vi.mock('@meshobs/config', async (original) => {
  const real = await original<typeof import('@meshobs/config')>();
  return {
    ...real,
    parseConfig: (raw: unknown, source?: string) => {
      if (fault.schema) throw new TypeError("Cannot read properties of undefined (reading 'length')");
      return real.parseConfig(raw, source);
    },
  };
});

afterEach(() => {
  fault.renderer = false;
  fault.schema = false;
});

const build = (...extra: string[]) => meshobs(tempDir('internal'), 'build', '--config', REPO_CONFIG, '--out', 'bundle', ...extra);

describe('internal errors', () => {
  it('a renderer that throws on a valid config: one line naming the renderer, exit 3, no stack', async () => {
    fault.renderer = true;
    const r = await build();
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')).toEqual([
      `meshobs: internal error: renderKiali failed on a valid config: Cannot read properties of undefined (reading 'port') (${REPORT_HINT})`,
      'meshobs: run again with --debug for the stack',
    ]);
    expect(r.stderr).not.toMatch(/invalid meshobs config/);
  });

  it('with --debug, the stack of the error and of the fault behind it', async () => {
    fault.renderer = true;
    const r = await build('--debug');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^InternalError: renderKiali failed[\s\S]*\n\s+at [\s\S]*^TypeError: Cannot read properties[\s\S]*\n\s+at /m);
  });

  it('a crash inside the schema check is an internal error, not an invalid config', async () => {
    fault.schema = true;
    const r = await build();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^meshobs: internal error: Cannot read properties of undefined \(reading 'length'\)/);
    expect(r.stderr).not.toMatch(/invalid meshobs config/);
  });

  it('the build works again without the fault (the injection changes nothing else)', async () => {
    expect((await build()).code).toBe(0);
  });
});

describe('renderAll', () => {
  const config = defaultConfig();

  it('turns a renderer fault into an InternalError that names the renderer and keeps the cause', () => {
    const cause = new RangeError('index out of range');
    const renderBroken = () => {
      throw cause;
    };
    let thrown: unknown;
    try {
      renderAll([renderBroken], config);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InternalError);
    expect((thrown as Error).message).toBe('renderBroken failed on a valid config: index out of range');
    expect((thrown as Error).cause).toBe(cause);
  });

  it('lets a ConfigError through: it names the field and the reason', () => {
    const problem = new ConfigError([{ path: 'kiali.auth.strategy', message: 'needs kiali.grafanaToken' }]);
    const renderPicky = () => {
      throw problem;
    };
    expect(() => renderAll([renderPicky], config)).toThrow(problem);
  });
});
