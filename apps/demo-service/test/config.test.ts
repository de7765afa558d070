import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { parseDuration } from '../src/duration.ts';

describe('configuration from the environment', () => {
  it('has podinfo defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(9898);
    expect(c.backends).toEqual([]);
    expect(c.uiColor).toBe('#34577c');
    expect(c.uiMessage).toBe('greetings from podinfo v0.1.0');
    expect(c.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(c.backendTimeoutMs).toBe(120_000);
    expect(c.shutdownTimeoutMs).toBe(5_000);
  });

  it('reads PODINFO_* variables, backends comma-separated', () => {
    const c = loadConfig({
      PODINFO_PORT: '8080',
      PODINFO_BACKEND_URL: 'http://a:9898/echo, http://b:9898/echo',
      PODINFO_UI_MESSAGE: 'hello',
      PODINFO_UI_COLOR: '#ff0000',
      PODINFO_VERSION: '6.1.0',
      PODINFO_REVISION: 'deadbeef',
      PODINFO_MAX_DELAY_SECONDS: '5',
      PODINFO_HTTP_CLIENT_TIMEOUT: '1m30s',
    });
    expect(c).toMatchObject({
      port: 8080,
      uiMessage: 'hello',
      uiColor: '#ff0000',
      version: '6.1.0',
      revision: 'deadbeef',
      maxDelaySeconds: 5,
    });
    expect(c.backends).toEqual(['http://a:9898/echo', 'http://b:9898/echo']);
    expect(c.backendTimeoutMs).toBe(90_000);
  });

  it('rejects values it cannot use, naming the variable', () => {
    expect(() => loadConfig({ PODINFO_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PODINFO_PORT: '70000' })).toThrow(/PODINFO_PORT/);
    expect(() => loadConfig({ PODINFO_BACKEND_URL: 'not a url' })).toThrow(/PODINFO_BACKEND_URL/);
    expect(() => loadConfig({ PODINFO_BACKEND_URL: 'ftp://x/' })).toThrow(/http/);
    expect(() => loadConfig({ PODINFO_SERVER_SHUTDOWN_TIMEOUT: '5 seconds' })).toThrow(/PODINFO_SERVER_SHUTDOWN_TIMEOUT/);
  });

  it('parses Go durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h1s')).toBe(3_601_000);
    expect(() => parseDuration('5')).toThrow();
    expect(() => parseDuration('')).toThrow();
  });
});
