/**
 * RDS backup and maintenance windows as minute ranges of the week, so the schema can refuse
 * windows RDS (or an emulator reading the rule strictly) would: too short, or overlapping.
 */

const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** RDS requires both windows to last at least 30 minutes. */
export const MIN_WINDOW_MINUTES = 30;

/** A window as [start, end) minutes from Monday 00:00 UTC; `end` may pass the week's end. */
interface WeekRange {
  readonly start: number;
  readonly end: number;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
};

/** "hh:mm-hh:mm" -> its length in minutes (a window may run past midnight). */
export function dailyWindowMinutes(window: string): number {
  const [from, to] = window.split("-").map(minutesOf);
  return (to - from + DAY_MINUTES) % DAY_MINUTES;
}

function weeklyRange(window: string): WeekRange {
  const [from, to] = window.toLowerCase().split("-");
  const at = (part: string) => DAYS.indexOf(part.slice(0, 3)) * DAY_MINUTES + minutesOf(part.slice(4));
  const start = at(from);
  const end = start + ((at(to) - start + WEEK_MINUTES) % WEEK_MINUTES);
  return { start, end };
}

/** "ddd:hh:mm-ddd:hh:mm" -> its length in minutes. */
export function weeklyWindowMinutes(window: string): number {
  const { start, end } = weeklyRange(window);
  return end - start;
}

/** The daily window on each day of the week (and the next Monday, for windows that wrap). */
function dailyRanges(window: string): WeekRange[] {
  const from = minutesOf(window.split("-")[0]);
  const length = dailyWindowMinutes(window);
  return Array.from({ length: 8 }, (_, day) => ({
    start: day * DAY_MINUTES + from,
    end: day * DAY_MINUTES + from + length,
  }));
}

/**
 * True when the weekly maintenance window overlaps the daily backup window on any day, or
 * touches it (one ends the minute the other starts): RDS documents that they must not overlap,
 * and a gap keeps every reading of that rule satisfied.
 */
export function windowsClash(dailyBackup: string, weeklyMaintenance: string): boolean {
  const maintenance = weeklyRange(weeklyMaintenance);
  // The same window a week earlier and later: backups that wrap Sunday midnight meet Monday's.
  const shifted = [-WEEK_MINUTES, 0, WEEK_MINUTES].map((by) => ({
    start: maintenance.start + by,
    end: maintenance.end + by,
  }));
  return dailyRanges(dailyBackup).some((backup) => shifted.some((m) => backup.start <= m.end && m.start <= backup.end));
}

/** True when two daily windows ("hh:mm-hh:mm") share or touch a minute on any day. */
export function dailyWindowsMeet(a: string, b: string): boolean {
  const others = dailyRanges(b);
  return dailyRanges(a).some((x) => others.some((y) => x.start <= y.end && y.start <= x.end));
}
