import { setImmediate } from 'node:timers/promises';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];
const EXIT: Record<Signal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** What meshobs prints when a signal stops it (Ctrl-C), instead of any verdict. */
export const INTERRUPTED = 'meshobs: interrupted';

/**
 * A program meshobs ran was stopped by a signal: Ctrl-C in a terminal reaches every process of the
 * foreground group, so the tool dies of it, usually before meshobs' own handler gets its turn. That is
 * an interruption of meshobs, never a verdict about the bundle.
 */
export class Interrupted extends Error {
  override name = 'Interrupted';
  readonly signal: Signal;
  readonly exitCode: number;
  constructor(signal: Signal) {
    super(`interrupted (${signal})`);
    this.signal = signal;
    this.exitCode = EXIT[signal];
  }
}

export const isStopSignal = (s: string | null | undefined): s is Signal => (SIGNALS as readonly string[]).includes(s ?? '');

/** Throws Interrupted when a child meshobs waited for was stopped by SIGINT, SIGTERM or SIGHUP. */
export function throwIfInterrupted(result: { signal?: string | null }): void {
  if (isStopSignal(result.signal)) throw new Interrupted(result.signal);
}

/**
 * Lets a pending signal's handler run: a signal that arrives while a synchronous child runs is only
 * dispatched once the event loop turns again (its poll phase), which `await` of a promise alone never does.
 */
export const yieldToSignals = (): Promise<void> => setImmediate();

/**
 * Runs `work` with SIGINT/SIGTERM/SIGHUP turned into `cleanup`, the line "meshobs: interrupted" and the
 * usual exit status (128 + the signal's number). The handlers run between two awaits of `work`, which is
 * why the writes of a build are asynchronous and validate yields between its validators.
 */
export async function withSignalCleanup<T>(cleanup: () => void, work: () => Promise<T>): Promise<T> {
  const handlers = SIGNALS.map((sig) => {
    const handler = () => {
      cleanup();
      process.stderr.write(`${INTERRUPTED}\n`);
      process.exit(EXIT[sig]);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  try {
    return await work();
  } finally {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  }
}
