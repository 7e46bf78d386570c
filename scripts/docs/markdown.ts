/** Markdown tables for the generated docs (prettier then pads the columns). */

/** A cell: pipes escaped, line breaks folded, so any text stays in its column. */
export function cell(text: string | number): string {
  return String(text)
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
}

export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  align?: string[],
): string {
  const rule = header.map((_, i) => align?.[i] ?? "---");
  return [header, rule, ...rows].map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n");
}

export const usd = (n: number) => `$${n.toFixed(2)}`;
