// @meshobs/bench: the benchmarks behind docs/performance.md (`npm run bench`).

export { generatedConfig } from './build-bench.ts';
export { loadDashboard } from './dashboard-load.ts';
export { istioPlans, meshobsPlans, planOf } from './dashboard-plan.ts';
export { panelStep, rateIntervalSeconds, roundInterval } from './grafana.ts';
export { cpuModel, describeMachine, machine } from './machine.ts';
export { naiveRulesYaml, rawAlertExprs } from './naive-rules.ts';
export { pickSizes, SIZES } from './sizes.ts';
export { median, ratio, seconds, table } from './stats.ts';
