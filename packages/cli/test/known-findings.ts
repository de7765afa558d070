import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Known {
  checkov: Array<{ check: string; resource: string; owner: string; reason: string }>;
  posture: Array<{ workload: string; rule: string; owner: string; reason: string }>;
  serverWarnings: Array<{ config: string; warning: string; owner: string; reason: string }>;
}

export const KNOWN: Known = parse(readFileSync(join(import.meta.dirname, 'fixtures', 'known-findings.yaml'), 'utf8')) ?? {};
KNOWN.checkov ??= [];
KNOWN.posture ??= [];
KNOWN.serverWarnings ??= [];
for (const k of [...KNOWN.checkov, ...KNOWN.posture, ...KNOWN.serverWarnings])
  if (!k.owner || !k.reason) throw new Error(`known finding without owner and reason: ${JSON.stringify(k)}`);
