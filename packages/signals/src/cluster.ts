// Many clusters: the `cluster` label (config cluster.label, default "cluster") through every
// aggregation, and the dashboards' `$cluster` selection in every selector.
//
// Convention (Prometheus external_labels, Thanos): each cluster's Prometheus carries
// `external_labels: {cluster: <name>}`. The label is not stored on its local series; Prometheus
// attaches it to alerts it sends, a Thanos sidecar attaches it to every series it serves to Thanos
// Query (thanos-io/thanos v0.42.5 pkg/store/prometheus.go: the sidecar's StoreAPI adds the external
// labels), and remote write adds it too. A rule that groups `by (cluster, ...)` therefore gives the
// same series as before on one Prometheus (the label is absent and `by` drops it) and keeps the
// cluster apart wherever the raw series do carry it (a global ruler, or a scrape relabeling that adds
// it). `on (cluster, ...)` keeps binary matches within one cluster where both sides carry it.
//
// The expressions are composed as text by the other files of this package; this transform walks that
// text once and (1) adds the label to every `by (...)` and `on (...)` list, (2) gives every
// aggregation written without grouping a `by (<label>)`, (3) optionally adds a matcher to every
// vector selector. Aggregations must use the prefix form `sum by (...) (expr)` (the form every
// combinator of promql.ts writes); `without (...)`, `ignoring (...)` and `group_left/right (...)` keep
// every other label already and are left alone.

import type { MeshobsConfig } from '@meshobs/config';

/** Prometheus aggregation operators (prometheus/prometheus promql/parser/lex.go, v3.x). */
export const AGGREGATORS: ReadonlySet<string> = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);
/** Keywords and literals that are not metric names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
/** Label lists extended with the cluster label. */
const EXTENDED = new Set(['by', 'on']);
/** Label lists copied as they are. */
const KEPT = new Set(['without', 'ignoring', 'group_left', 'group_right']);

export interface ClusterScope {
  /** The cluster label name (cluster.label). */
  label: string;
  /** A matcher added to every vector selector, e.g. `cluster=~"$cluster"`; none for rules. */
  matcher?: string;
}

const isIdentStart = (c: string) => /[A-Za-z_:]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_:]/.test(c);

/** End index (exclusive) of the quoted string starting at `i`. */
function skipString(s: string, i: number): number {
  const q = s[i]!;
  let j = i + 1;
  while (j < s.length && s[j] !== q) j += s[j] === '\\' && q !== '`' ? 2 : 1;
  return j + 1;
}

/** End index (exclusive) of the bracketed part starting at `i` (`(`, `{` or `[`), strings skipped. */
function skipBracket(s: string, i: number): number {
  const open = s[i]!;
  const close = open === '(' ? ')' : open === '{' ? '}' : ']';
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"' || c === "'" || c === '`') {
      j = skipString(s, j);
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
    j++;
  }
  throw new Error(`unbalanced ${open} in PromQL: ${s}`);
}

const nextNonSpace = (s: string, i: number) => {
  let j = i;
  while (j < s.length && /\s/.test(s[j]!)) j++;
  return j;
};

/** `(a, b)` with the label added first unless it is there already. */
function extendList(list: string, label: string): string {
  const labels = list
    .slice(1, -1)
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  return labels.includes(label) ? list : `(${[label, ...labels].join(', ')})`;
}

/** Adds the cluster label to every grouping of `expr`, and `scope.matcher` to every selector. */
export function clusterScoped(expr: string, scope: ClusterScope): string {
  const { label, matcher } = scope;
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = skipString(expr, i);
      out += expr.slice(i, end);
      i = end;
    } else if (c === '[') {
      // range or subquery: durations and Grafana's $__rate_interval
      const end = skipBracket(expr, i);
      out += expr.slice(i, end);
      i = end;
    } else if (c === '{') {
      // a selector without a metric name
      const end = skipBracket(expr, i);
      out += matcher ? withMatcher(expr.slice(i, end), matcher) : expr.slice(i, end);
      i = end;
    } else if (/[0-9.]/.test(c)) {
      // number or duration (1e+06, 0.99, 5m)
      let j = i + 1;
      while (j < expr.length && (/[0-9A-Za-z_.]/.test(expr[j]!) || (/[+-]/.test(expr[j]!) && /[eE]/.test(expr[j - 1]!)))) j++;
      out += expr.slice(i, j);
      i = j;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < expr.length && isIdent(expr[j]!)) j++;
      const word = expr.slice(i, j);
      const k = nextNonSpace(expr, j);
      const next = expr[k];
      if ((EXTENDED.has(word) || KEPT.has(word)) && next === '(') {
        const end = skipBracket(expr, k);
        const list = expr.slice(k, end);
        out += `${expr.slice(i, k)}${EXTENDED.has(word) ? extendList(list, label) : list}`;
        i = end;
      } else if (AGGREGATORS.has(word) && next === '(') {
        out += `${word} by (${label}) `;
        i = k;
      } else if (next === '(' || KEYWORDS.has(word) || EXTENDED.has(word) || KEPT.has(word) || AGGREGATORS.has(word)) {
        // function call, keyword, or an aggregator followed by its grouping
        out += word;
        i = j;
      } else if (next === '{') {
        const end = skipBracket(expr, k);
        out += word + expr.slice(j, k) + (matcher ? withMatcher(expr.slice(k, end), matcher) : expr.slice(k, end));
        i = end;
      } else {
        out += matcher ? `${word}{${matcher}}` : word;
        i = j;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `{a="b"}` -> `{matcher, a="b"}`; `{}` -> `{matcher}`. */
const withMatcher = (body: string, matcher: string) => {
  const inner = body.slice(1, -1).trim();
  return `{${inner ? `${matcher}, ${inner}` : matcher}}`;
};

/** The cluster label of a config (cluster.label). */
export const clusterLabel = (config: Pick<MeshobsConfig, 'cluster'>): string => config.cluster.label;

/** Rules: the cluster label through every aggregation, no selection. */
export const ruleScope = (config: Pick<MeshobsConfig, 'cluster'>): ClusterScope => ({ label: clusterLabel(config) });

/** Grafana's `$cluster` variable name. */
export const CLUSTER_VARIABLE = 'cluster';

/**
 * Dashboards: every selector narrowed to `$cluster`. Its "All" value is `.*`, which also matches
 * series without the label: a single Prometheus (no cluster label at all) shows what it always did.
 */
export const dashboardScope = (config: Pick<MeshobsConfig, 'cluster'>): ClusterScope => ({
  label: clusterLabel(config),
  matcher: `${clusterLabel(config)}=~"$${CLUSTER_VARIABLE}"`,
});

/**
 * Istio's multi-cluster labels of the standard metrics: the cluster of the workload that sent and the
 * one that served the request (istio.io/latest/docs/reference/config/metrics, labels "Source Cluster"
 * and "Destination Cluster"). Their value is the proxy's cluster ID, values.global.multiCluster.clusterName
 * of the istiod install (the EKS seed sets it), not the Prometheus external label: the two usually agree.
 */
export const ISTIO_CLUSTER_LABELS = ['source_cluster', 'destination_cluster'] as const;
