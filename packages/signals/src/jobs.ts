// Selectors from the config's scrape jobs (prometheus.jobs.*, defaults in packages/config).
import type { MeshobsConfig } from '@meshobs/config';
import { type Matcher, selector } from './promql.ts';

export type Job = keyof MeshobsConfig['prometheus']['jobs'];

/** `job="<configured name>"` */
export const jobMatcher = (config: Pick<MeshobsConfig, 'prometheus'>, job: Job): string => `job="${config.prometheus.jobs[job]}"`;

/** `up{job="<configured name>", matchers}`: 1 per scrape target of the job that is up. */
export const targetsUp = (config: Pick<MeshobsConfig, 'prometheus'>, job: Job, ...ms: Matcher[]): string =>
  selector('up', jobMatcher(config, job), ...ms);
