/** One JSON object per line on stdout, like podinfo's zap logger. */
export function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, ts: new Date().toISOString(), msg, ...fields })}\n`);
}
