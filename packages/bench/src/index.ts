// @meshobs/bench: the benchmarks behind docs/performance.md (`npm run bench`).
export { machine, describeMachine, cpuModel } from './machine.ts';
export { median, seconds, ratio, table } from './stats.ts';
export { panelStep, rateIntervalSeconds, roundInterval } from './grafana.ts';
export { naiveRulesYaml, rawAlertExprs } from './naive-rules.ts';
export { planOf, meshobsPlans, istioPlans } from './dashboard-plan.ts';
export { loadDashboard } from './dashboard-load.ts';
export { generatedConfig } from './build-bench.ts';
export { SIZES, pickSizes } from './sizes.ts';
