import { SpanKind } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { spansFor, startApp, stopApps, untilInFlight } from './helpers.ts';

afterAll(stopApps);

describe('graceful shutdown', () => {
  it('fails the probes, refuses new connections, lets in-flight requests finish and ends their spans', async () => {
    // A drain delay long enough for the probe requests below even on a loaded machine.
    const svc = await startApp({ env: { PODINFO_SERVER_SHUTDOWN_DELAY: '2s', PODINFO_SERVER_SHUTDOWN_TIMEOUT: '5s' } });
    const slow = fetch(`${svc.url}/delay/1`);
    await untilInFlight(svc, 1);
    const stopped = svc.app.shutdown();
    // during the drain delay the service still answers, but reports itself unready
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(503);
    const res = await slow;
    expect(res.status).toBe(200);
    await stopped;
    await expect(fetch(`${svc.url}/version`)).rejects.toThrow();
    const spans = await spansFor(svc, 1, (s) => s.kind === SpanKind.SERVER && s.name === 'GET /delay/{seconds}');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['http.response.status_code']).toBe(200);
    expect(svc.app.inFlight()).toBe(0);
  });

  it('cuts requests that outlive the shutdown timeout, still ending their spans', async () => {
    const svc = await startApp({ env: { PODINFO_SERVER_SHUTDOWN_TIMEOUT: '200ms' } });
    const slow = fetch(`${svc.url}/delay/5`).catch((e: Error) => e);
    await untilInFlight(svc, 1);
    const started = performance.now();
    await svc.app.shutdown();
    // Returned before the request would have ended by itself (5 s), and the request was cut.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await slow).toBeInstanceOf(Error);
    const spans = await spansFor(svc, 1, (s) => s.name === 'GET /delay/{seconds}');
    expect(spans).toHaveLength(1);
    expect(svc.app.inFlight()).toBe(0);
  });
});
