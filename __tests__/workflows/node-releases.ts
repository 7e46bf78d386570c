/**
 * Node.js release lines: when each became LTS and when it reaches end of life, from the Node.js
 * release schedule (https://nodejs.org/en/about/previous-releases, whose data is
 * https://github.com/nodejs/Release/blob/main/schedule.json; read from the schedule as of
 * 2026-07-02). Copied here, not fetched, so the tests run offline: add a line when a new LTS line
 * is chosen, from the same table.
 */
export interface NodeReleaseLine {
  /** The major version: `24` is the 24.x line. */
  readonly major: number;
  /** First LTS release (YYYY-MM-DD); odd lines never become LTS. */
  readonly lts: string;
  /** End of life (YYYY-MM-DD): no release after this day, security fixes included. */
  readonly end: string;
  readonly codename: string;
}

export const NODE_SCHEDULE_SOURCE = "https://nodejs.org/en/about/previous-releases";

export const NODE_RELEASE_LINES: readonly NodeReleaseLine[] = [
  { major: 18, lts: "2022-10-25", end: "2025-04-30", codename: "Hydrogen" },
  { major: 20, lts: "2023-10-24", end: "2026-04-30", codename: "Iron" },
  { major: 22, lts: "2024-10-29", end: "2027-04-30", codename: "Jod" },
  { major: 24, lts: "2025-10-28", end: "2028-04-30", codename: "Krypton" },
  // Scheduled LTS from 2026-10-28; its codename was not published in the schedule read.
  { major: 26, lts: "2026-10-28", end: "2029-04-30", codename: "" },
];

/** The line's schedule, or undefined when the table does not have it. */
export function nodeReleaseLine(major: number): NodeReleaseLine | undefined {
  return NODE_RELEASE_LINES.find((line) => line.major === major);
}

/** Whether the line is an LTS line that is supported on `day` (LTS started, end of life not reached). */
export function isSupportedOn(line: NodeReleaseLine, day: Date): boolean {
  const today = day.toISOString().slice(0, 10);
  return line.lts <= today && today < line.end;
}
