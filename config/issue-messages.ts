/**
 * What a refused number should have been, in words a person can act on. zod says "Too big: expected
 * number to be <=35"; the setting's name carries its unit (`backupRetentionDays`, `allocatedStorageGib`,
 * `budgetAlertPercentages`), and its schema both bounds, so the message can say
 * "must be a whole number of days from 0 to 35 (got 168)". A rule's own message, and every other
 * issue's, stays as written.
 */
import type { z } from "zod";

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** The parts of a zod 4 schema definition this walk reads. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, Schema>;
  readonly element?: Schema;
  readonly valueType?: Schema;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly options?: readonly Schema[];
  readonly checks?: readonly {
    readonly _zod: { readonly def: { check: string; value?: unknown; inclusive?: boolean } };
  }[];
}
interface Schema {
  readonly def: SchemaDef;
}

/** The schema a path leads to (`database.backupRetentionDays`, `alerts.budgetAlertPercentages[0]`). */
function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | undefined {
  const def = schema.def;
  if (["nullable", "optional", "default", "readonly", "catch"].includes(def.type) && def.innerType) {
    return schemaAt(def.innerType, path);
  }
  if (def.type === "pipe" && def.in) return schemaAt(def.in, path);
  if (path.length === 0) return schema;
  const [key, ...rest] = path;
  switch (def.type) {
    case "object": {
      const next = def.shape?.[String(key)];
      return next && schemaAt(next, rest);
    }
    case "array":
      return def.element && schemaAt(def.element, rest);
    case "record":
      return def.valueType && schemaAt(def.valueType, rest);
    case "union":
      return (def.options ?? []).map((o) => schemaAt(o, path)).find((s) => s !== undefined);
    default:
      return undefined;
  }
}

/** The number's explicit bounds (`.min`, `.max`, `.positive`...), not the safe-integer range of `.int()`. */
function boundsOf(schema: Schema): { min?: Bound; max?: Bound } {
  const bounds: { min?: Bound; max?: Bound } = {};
  for (const check of schema.def.checks ?? []) {
    const { check: kind, value, inclusive } = check._zod.def;
    if (typeof value !== "number") continue;
    if (kind === "greater_than") bounds.min = { value, inclusive: inclusive ?? true };
    if (kind === "less_than") bounds.max = { value, inclusive: inclusive ?? true };
  }
  return bounds;
}

/** What the setting counts, from the unit its name ends with. */
function amountOf(field: string, whole: boolean): string {
  if (/Percentages$/.test(field)) return "whole percentages such as 80";
  if (/Percent$/.test(field)) return whole ? "a whole percentage such as 80" : "a percentage such as 5";
  if (/Usd$/.test(field)) return "an amount in US dollars";
  if (/HourUtc$/.test(field)) return "an hour of the day (UTC)";
  const unit = [
    [/Days$/, "days"],
    [/Seconds$/, "seconds"],
    [/Minutes$/, "minutes"],
    [/Gib$/, "GiB"],
  ].find(([suffix]) => (suffix as RegExp).test(field))?.[1] as string | undefined;
  const number = whole ? "a whole number" : "a number";
  return unit ? `${number} of ${unit}` : number;
}

function rangeOf({ min, max }: { min?: Bound; max?: Bound }): string {
  if (min?.inclusive && max?.inclusive) return `from ${min.value} to ${max.value}`;
  const parts = [
    ...(min ? [`${min.inclusive ? "at least" : "above"} ${min.value}`] : []),
    ...(max ? [`${max.inclusive ? "at most" : "below"} ${max.value}`] : []),
  ];
  return parts.join(" and ");
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((o, k) => (o === null || typeof o !== "object" ? undefined : (o as never)[k]), raw);
}

/** zod's own wording, which a rule's explicit message (Envoy's timeout, the NLB's...) replaces. */
const ZOD_DEFAULT_MESSAGE = /^(Too big|Too small|Invalid input)/;

function isNumberIssue(issue: z.core.$ZodIssue): boolean {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return false;
  if (issue.code === "too_big" || issue.code === "too_small") return issue.origin === "number";
  return issue.code === "invalid_type" && (issue.expected === "number" || issue.expected === "int");
}

/**
 * The message for one issue of `schema` over `raw`: numbers get their unit, range and given value;
 * every other issue keeps the message its rule wrote.
 */
export function issueMessage(issue: z.core.$ZodIssue, schema: unknown, raw: unknown): string {
  if (!isNumberIssue(issue)) return issue.message;
  const target = schemaAt(schema as Schema, issue.path);
  if (!target || target.def.type !== "number") return issue.message;
  const field = [...issue.path].reverse().find((p): p is string => typeof p === "string") ?? "";
  const whole = (target.def.checks ?? []).some((c) => c._zod.def.check === "number_format");
  const amount = amountOf(field, whole);
  const range = rangeOf(boundsOf(target));
  const separator = amount.includes("such as") || range.startsWith("at ") ? ", " : " ";
  return `must be ${amount}${range ? `${separator}${range}` : ""} (got ${JSON.stringify(valueAt(raw, issue.path))})`;
}
