/** The table the deploy command ends with: stack, action, duration, result. */
import type { StackResult } from "./deploy";

/** 75000 -> "1m15s"; undefined -> "-". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}

/** The summary as aligned text lines. */
export function summaryTable(results: readonly StackResult[]): string[] {
  const rows = [
    ["stack", "action", "duration", "result"],
    ...results.map((r) => [r.stack, r.action, formatDuration(r.durationMs), r.result]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd(),
  );
}
