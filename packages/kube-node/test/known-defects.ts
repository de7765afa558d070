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
    check: 'delete',
    problem:
      /^(Namespace\/observability|.*observability\/(elasticsearch-master|search-engine-tls|elasticsearch-ca|jaeger-es-credentials|kube-root-ca\.crt|default)\b)/,
    owner: 'kube (namespaces component)',
    reason:
      'the bundle declares Namespace observability, so `kubectl delete -k` deletes it with everything in it: the search engine the ' +
      'config places there by default (elasticsearch.namespace), and the Secrets the user created for Jaeger (credentials, CA)',
  },
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
  {
    check: 'retention',
    race: true,
    problem: /connection refused/,
    owner: 'jaeger (retention CronJob)',
    reason:
      'es-index-cleaner connects once, within milliseconds of starting; a NetworkPolicy enforcer that lets a new pod through only ' +
      "after it starts (kube-router, k3s's default) refuses that first connection, and with restartPolicy Never every retry is a " +
      'new pod losing the same race: retention never runs. restartPolicy OnFailure retries in the same pod and succeeds. A race: ' +
      'recorded, not asserted',
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
