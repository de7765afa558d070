// Defects of the bundle that only the running node shows, reported to the bundle's owners and listed
// here until fixed. A check subtracts the problems a listed defect explains and asserts the rest is
// empty; it also asserts each listed defect still shows, so a fix is noticed and its entry removed.
export interface KnownDefect {
  /** Which check reports it. */
  check: 'delete' | 'plain' | 'restarts' | 'retention';
  /** A race: recorded when it shows, never required to show. */
  race?: boolean;
  /** Matches the problem line the check reports. */
  problem: RegExp;
  owner: string;
  reason: string;
}

export const KNOWN_DEFECTS: KnownDefect[] = [
  {
    check: 'restarts',
    race: true,
    problem:
      /^pod jaeger-(collector|query)-\S+ container jaeger: 1 restarts \(.*(connection refused|no Elasticsearch node available|context deadline exceeded)/,
    owner: 'jaeger',
    reason:
      'Jaeger exits when its first connection to the search engine fails, and a NetworkPolicy enforcer that lets a new pod ' +
      "through only after it starts (kube-router, k3s's default) refuses that first connection: the pod restarts once",
  },
];

/** Splits problems into those a known defect explains and the rest; lists the known defects that did not show. */
export function triage(
  check: KnownDefect['check'],
  problems: string[],
): { unexplained: string[]; explained: string[]; absent: KnownDefect[] } {
  const known = KNOWN_DEFECTS.filter((k) => k.check === check);
  const explained = problems.filter((p) => known.some((k) => k.problem.test(p)));
  return {
    unexplained: problems.filter((p) => !explained.includes(p)),
    explained,
    absent: known.filter((k) => !k.race && !problems.some((p) => k.problem.test(p))),
  };
}
