const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `work` with SIGINT/SIGTERM/SIGHUP turned into `cleanup` followed by the usual exit status. The
 * handlers run between two awaits of `work`, which is why the writes below are asynchronous.
 */
export async function withSignalCleanup<T>(cleanup: () => void, work: () => Promise<T>): Promise<T> {
  const handlers = SIGNALS.map((sig) => {
    const handler = () => {
      cleanup();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]);
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
