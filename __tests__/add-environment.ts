/**
 * docs/environments.md, "Add an environment", read and done as it says: the new environment's
 * file is a copy of another's with the settings of the doc's table set to the doc's example values,
 * its name goes into ENVIRONMENTS where the doc's example puts it, and its parent offers it the
 * delegation the doc's example shows. Tests use it to add `qa` (or any name) exactly that way.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnvironmentConfig } from "../config";
import { cidrsOverlap } from "../config/cidr";
import { cloneConfig, declaredEnvironments, type Mutable } from "./helpers";

export const ENVIRONMENTS_DOC = path.resolve(__dirname, "..", "docs", "environments.md");

/** The doc's text of one `## ` section (to the next `## ` heading). */
export function docSection(title: string, text = fs.readFileSync(ENVIRONMENTS_DOC, "utf8")): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/environments.md has no section "## ${title}"`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The first fenced code block after `marker` in the section. */
function codeAfter(section: string, marker: string): string {
  const at = section.indexOf(marker);
  if (at < 0) throw new Error(`docs/environments.md, "Add an environment": no "${marker}"`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(section.slice(at));
  if (!block) throw new Error(`docs/environments.md, "Add an environment": no code block after "${marker}"`);
  return block[1];
}

/** A TypeScript object or array literal of the doc (quoted strings, bare keys) as JSON. */
function parseLiteral(text: string): unknown {
  const json = text
    .trim()
    .replace(/,\s*$/, "")
    .replace(/([{,]\s*)([A-Za-z_][A-Za-z0-9_]*):/g, '$1"$2":')
    .replace(/,(\s*[}\]])/g, "$1");
  return JSON.parse(json);
}

/** What the doc says to do, read from its "Add an environment" section. */
export interface DocumentedSteps {
  /** The environment the doc copies. */
  readonly copyOf: string;
  /** The example's name. */
  readonly name: string;
  /** Setting path in the copied file -> the example's value (the table's rows, in order). */
  readonly settings: ReadonlyMap<string, unknown>;
  /** The environment whose `dns.childEnvironments` gets the example's entry, and that entry. */
  readonly parent: { readonly name: string; readonly entry: EnvironmentConfig["dns"]["childEnvironments"][number] };
  /** ENVIRONMENTS as the doc's example writes it. */
  readonly order: readonly string[];
}

export function documentedSteps(): DocumentedSteps {
  const section = docSection("Add an environment");
  const copy = /copy `config\/([a-z0-9]+)\.ts` to `config\/<name>\.ts`/i.exec(section);
  if (!copy)
    throw new Error('docs/environments.md, "Add an environment": no "copy `config/<env>.ts` to `config/<name>.ts`"');
  const rows = [...section.matchAll(/^ *\| `([\w.]+)` +\|[^|\n]*\| `(.+)` +\|$/gm)];
  const settings = new Map(rows.map((m) => [m[1], JSON.parse(m[2]) as unknown]));
  const name = settings.get("name");
  if (typeof name !== "string") throw new Error('docs/environments.md: the table has no example for "name"');
  const parentFile = /in `config\/([a-z0-9]+)\.ts`, add to `dns\.childEnvironments`/.exec(section);
  if (!parentFile)
    throw new Error('docs/environments.md: no "in `config/<parent>.ts`, add to `dns.childEnvironments`"');
  const entry = parseLiteral(
    codeAfter(section, "add to `dns.childEnvironments`"),
  ) as DocumentedSteps["parent"]["entry"];
  const list = /ENVIRONMENTS[^=]*=\s*\[([^\]]*)\]/.exec(codeAfter(section, "List it in `ENVIRONMENTS`"));
  if (!list) throw new Error("docs/environments.md: no ENVIRONMENTS example");
  const order = list[1].split(",").map((s) => s.trim());
  return { copyOf: copy[1], name, settings, parent: { name: parentFile[1], entry }, order };
}

/** Sets `value` at a dotted path of `target`. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  const last = keys.pop() as string;
  const holder = keys.reduce((node, key) => node[key] as Record<string, unknown>, target);
  if (!(last in holder)) throw new Error(`${dotted} is not a setting of the copied file`);
  holder[last] = cloneConfig(value);
}

/** The doc's steps that can be left out, for tests that show config catches each omission. */
export const PARENT_STEP = "parent's dns.childEnvironments";

/** The same steps with every string value mapped (the example's values, the parent's entry). */
function mapValues(steps: DocumentedSteps, map: (text: string) => string): DocumentedSteps {
  const each = <T>(value: T): T =>
    JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === "string" ? map(v) : v)) as T;
  return {
    ...steps,
    name: map(steps.name),
    settings: new Map([...steps.settings].map(([setting, value]) => [setting, each(value)])),
    parent: { name: steps.parent.name, entry: each(steps.parent.entry) },
    order: steps.order.map((n) => (n === steps.name ? map(n) : n)),
  };
}

/**
 * The doc's steps for another name: the example's name replaced wherever it is a label of a value
 * (`qa`, `qa.example.com`, `marketing-agents-prod-dns-qa`).
 */
export function renamedSteps(steps: DocumentedSteps, name: string): DocumentedSteps {
  const label = new RegExp(`(^|[.\\-/])${steps.name}(?=$|[.])`, "g");
  return mapValues(steps, (text) =>
    text === steps.name ? name : text.replace(label, (_all, before: string) => `${before}${name}`),
  );
}

/**
 * The doc's steps with the example's name, account and CIDR moved to free ones where a declared
 * environment already has them: once someone adds `qa` exactly as the doc says, the doc's example
 * still adds a new environment (`qa2`, the next account id, the next /16), and the suite stays green.
 */
export function freshSteps(steps: DocumentedSteps): DocumentedSteps {
  const declared = declaredEnvironments();
  let fresh = steps;
  if (declared.some((c) => c.name === steps.name)) {
    const free = [2, 3, 4, 5, 6, 7, 8, 9]
      .map((n) => `${steps.name}${n}`)
      .find((n) => !declared.some((c) => c.name === n));
    fresh = renamedSteps(fresh, free as string);
  }
  const account = fresh.settings.get("account.id") as string;
  if (declared.some((c) => c.account.id === account)) {
    const taken = (id: string) => declared.some((c) => c.account.id === id);
    let free = BigInt(account);
    while (taken(String(free))) free += 1n;
    fresh = mapValues(fresh, (text) => text.split(account).join(String(free)));
  }
  const cidr = fresh.settings.get("network.vpcCidr") as string;
  if (declared.some((c) => cidrsOverlap(c.network.vpcCidr, cidr))) {
    const blocks = Array.from({ length: 256 }, (_, i) => `10.${i}.0.0/16`);
    const free = blocks.find((b) => !declared.some((c) => cidrsOverlap(c.network.vpcCidr, b))) as string;
    fresh = mapValues(fresh, (text) => (text === cidr ? free : text));
  }
  return fresh;
}

/**
 * Every declared environment plus the doc's example (freshSteps), added as the doc says; `skip`
 * leaves one step undone (a setting of the table, kept as in the copied file, or PARENT_STEP);
 * `name` adds the example under another name (renamedSteps).
 */
export function addedAsDocumented(
  options: { skip?: string; steps?: DocumentedSteps; name?: string } = {},
): Mutable<EnvironmentConfig>[] {
  const documented = options.steps ?? freshSteps(documentedSteps());
  const steps = options.name ? freshSteps(renamedSteps(documented, options.name)) : documented;
  const declared = declaredEnvironments();
  const original = declared.find((c) => c.name === steps.copyOf);
  if (!original) throw new Error(`docs/environments.md copies ${steps.copyOf}, which is not declared`);
  const added = cloneConfig(original);
  for (const [setting, value] of steps.settings) {
    if (setting !== options.skip) setPath(added as unknown as Record<string, unknown>, setting, value);
  }
  const parent = declared.find((c) => c.name === steps.parent.name);
  if (!parent) throw new Error(`docs/environments.md names the parent ${steps.parent.name}, which is not declared`);
  if (options.skip !== PARENT_STEP) parent.dns.childEnvironments.push(cloneConfig(steps.parent.entry));
  const byName = new Map([...declared.map((c) => [c.name, c] as const), [steps.name, added]]);
  return placedOrder(steps).map((name) => byName.get(name) as Mutable<EnvironmentConfig>);
}

/**
 * ENVIRONMENTS with the example in the place the doc's line gives it: after the declared
 * environment it follows there (so environments declared since the doc was written keep theirs).
 */
export function placedOrder(steps: DocumentedSteps): string[] {
  const declared = declaredEnvironments().map((c) => c.name);
  const at = steps.order.indexOf(steps.name);
  if (at < 0) throw new Error(`docs/environments.md: its ENVIRONMENTS line does not list ${steps.name}`);
  const before = steps.order
    .slice(0, at)
    .reverse()
    .find((n) => declared.includes(n));
  const index = before === undefined ? 0 : declared.indexOf(before) + 1;
  return [...declared.slice(0, index), steps.name, ...declared.slice(index)];
}
