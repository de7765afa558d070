// CronJob schedules, checked the way the API server checks them and then parsed by a real cron
// parser (croner) so out-of-range values, bad steps and schedules that never fire are caught.
//
// Kubernetes validates `spec.schedule` with robfig/cron's ParseStandard
// (kubernetes/kubernetes pkg/apis/batch/validation/validation.go, validateScheduleFormat): five
// fields (minute hour day-of-month month day-of-week) with numbers, names (JAN-DEC, SUN-SAT), "*",
// ",", "-" and "/", or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, @every <duration>). A "TZ=" / "CRON_TZ=" prefix is refused when `timeZone` is set, which
// the bundle always does (Etc/UTC). croner alone would also take seconds, "L", "W" and "#", which
// robfig does not, so the field syntax is checked first.
import { Cron } from 'croner';
import { z } from 'zod';

/** Descriptors ParseStandard accepts; `@every` is left out on purpose (not a calendar schedule). */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

const NUMERIC = /^[0-9*,/-]+$/;
const MONTHS = /^([0-9*,/-]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i;
const DAYS = /^([0-9*,/-]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i;
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** Why a schedule is not one Kubernetes runs, or undefined when it is. */
export function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if ((CRON_MACROS as readonly string[]).includes(s.toLowerCase())) return undefined;
    return `is not a cron descriptor Kubernetes runs (${CRON_MACROS.join(', ')})`;
  }
  if (/^(CRON_)?TZ=/.test(s)) return 'must not set a time zone: the bundle sets the CronJob timeZone (Etc/UTC) and Kubernetes refuses both';
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return 'is not a five-field cron schedule such as "55 23 * * *" (or a descriptor such as "@daily")';
  for (const [i, f] of fields.entries()) {
    const ok = i === 3 ? MONTHS.test(f) : i === 4 ? DAYS.test(f) : NUMERIC.test(f);
    if (!ok) return `has an invalid ${FIELD_NAMES[i]} field "${f}" (numbers, "*", ",", "-", "/"${i >= 3 ? ' and names' : ''} only)`;
  }
  let next: Date | null | undefined;
  try {
    next = new Cron(s, { paused: true, timezone: 'Etc/UTC' }).nextRun(new Date(Date.UTC(2000, 0, 1)));
  } catch (e) {
    return `is not a valid cron schedule: ${(e as Error).message.replace(/^CronPattern: /, '')}`;
  }
  if (!next) return 'never fires (no such date)';
  return undefined;
}

export const cron = () =>
  z.string({ error: 'must be a cron schedule string' }).superRefine((v, ctx) => {
    const problem = scheduleProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', input: v, message: problem });
  });
