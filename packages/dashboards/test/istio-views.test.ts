// The recording-rule groups of the views of Istio's dashboards (`meshobs.istio.<family>`): each its
// own group, and the panels of those views read no raw Istio series (that every recording rule is
// read is recorded-reads.test.ts).

import { parseConfig } from '@meshobs/config';
import { panelsOf, queriesOf } from '@meshobs/dashboard-model';
import { resolveModel, ruleGroups } from '@meshobs/model';
import { ISTIO_STANDARD_METRICS } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

const config = parseConfig({});
const VIEW_GROUPS = ['meshobs.istio.client', 'meshobs.istio.sizes', 'meshobs.istio.control-plane'];
const reads = (expr: string, name: string) => new RegExp(`(^|[^a-zA-Z0-9_:])${name}($|[^a-zA-Z0-9_:])`).test(expr);

describe('the views of Istio dashboards', () => {
  const groups = ruleGroups(config);
  const panelExprs = buildDashboards(resolveModel(config)).flatMap((d) => panelsOf(d).flatMap((p) => queriesOf(p).map((q) => q.expr)));

  it('has its own rule group per family', () => {
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(VIEW_GROUPS));
  });

  it('its panels read no raw Istio standard metric', () => {
    const viewRecords = groups
      .filter((g) => VIEW_GROUPS.includes(g.name))
      .flatMap((g) => g.rules.map((r) => ('record' in r ? r.record : '')));
    const viewPanels = panelExprs.filter((e) => viewRecords.some((n) => reads(e, n)));
    expect(viewPanels.length).toBeGreaterThan(10);
    expect(viewPanels.filter((e) => ISTIO_STANDARD_METRICS.some((m) => reads(e, m)))).toEqual([]);
  });
});
