// The cluster label through every grouping and the `$cluster` matcher in every selector.

import { describe, expect, it } from 'vitest';
import { clusterScoped } from '../src/index.ts';

const rules = { label: 'cluster' };
const dash = { label: 'cluster', matcher: 'cluster=~"$cluster"' };

describe('clusterScoped', () => {
  it('adds the label to by and on lists, and a by to aggregations without one', () => {
    expect(clusterScoped('sum by (a, b) (rate(m_total{j="x"}[5m]))', rules)).toBe('sum by (cluster, a, b) (rate(m_total{j="x"}[5m]))');
    expect(clusterScoped('sum (rate(m_total[5m]))', rules)).toBe('sum by (cluster) (rate(m_total[5m]))');
    expect(clusterScoped('max(up)', rules)).toBe('max by (cluster) (up)');
    expect(clusterScoped('a > 1\nand on (x, y)\nb >= 2', rules)).toBe('a > 1\nand on (cluster, x, y)\nb >= 2');
    expect(clusterScoped('sum by (cluster, a) (x)', rules)).toBe('sum by (cluster, a) (x)');
  });

  it('leaves without, ignoring, group_left, strings, numbers, ranges and functions alone', () => {
    const kept = [
      'max without (quantile) (m{quantile="0.99"}) > 0.5',
      'x * ignoring (a) group_left (b) y',
      'histogram_quantile(0.99, m) / 1000',
      'label_replace(m, "istio", "$1", "deployment", "(?:istio-)?(.*)")',
      'm{le=~"3[.]6e[+]06|3600000"} < 7 * 86400',
      'absent(up{job="istiod"})',
      'rate(m[$__rate_interval])',
      'm - time()',
      'vector(1e+06)',
    ];
    for (const e of kept) expect(clusterScoped(e, rules)).toBe(e);
  });

  it('adds the dashboard matcher to every selector, named or not', () => {
    expect(clusterScoped('sum(rate(m_total{a="b"}[$__rate_interval])) / sum(n)', dash)).toBe(
      'sum by (cluster) (rate(m_total{cluster=~"$cluster", a="b"}[$__rate_interval])) / sum by (cluster) (n{cluster=~"$cluster"})',
    );
    expect(clusterScoped('x * on (ns, pod) group_left () max by (ns, pod) (up{})', dash)).toBe(
      'x{cluster=~"$cluster"} * on (cluster, ns, pod) group_left () max by (cluster, ns, pod) (up{cluster=~"$cluster"})',
    );
    expect(clusterScoped('m{a="}"} or n offset 5m', dash)).toBe('m{cluster=~"$cluster", a="}"} or n{cluster=~"$cluster"} offset 5m');
  });

  it('refuses unbalanced input', () => {
    expect(() => clusterScoped('sum by (a (x)', rules)).toThrow(/unbalanced/);
  });
});
