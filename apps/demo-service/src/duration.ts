const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration as podinfo's flags take it ("500ms", "5s", "2m", "1m30s") into milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`"${text}" is not a duration such as "5s" or "2m"`);
  return parts.reduce((total, p) => total + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}
