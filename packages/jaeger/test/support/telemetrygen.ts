// Sends a known, bounded set of traces over OTLP with the real telemetrygen.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '@meshobs/testkit';

const run = promisify(execFile);

export interface TraceBatch {
  endpoint: string;
  service: string;
  traces: number;
  childSpans: number;
  /** Attribute set on every span. */
  tag: [string, string];
  http?: boolean;
}

export async function sendTraces(b: TraceBatch): Promise<void> {
  const args = [
    'traces',
    '--otlp-endpoint',
    b.endpoint,
    '--otlp-insecure',
    '--service',
    b.service,
    '--traces',
    String(b.traces),
    '--child-spans',
    String(b.childSpans),
    '--rate',
    '0',
    '--telemetry-attributes',
    `${b.tag[0]}="${b.tag[1]}"`,
  ];
  if (b.http) args.push('--otlp-http');
  await run(requireTool('telemetrygen'), args, { timeout: 60_000 });
}
