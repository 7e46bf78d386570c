/**
 * docs/runbook.md's first deploy as data: its numbered steps and the commands each offers, read
 * the way runbook.test.ts reads them (the `npm run deploy` and `gh workflow run infra.yml` lines),
 * tolerant of the deploy command's flags wherever they stand.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONCERNS } from "../../config";

export const RUNBOOK = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "runbook.md"), "utf8");

/** One command of a step: who runs it follows from how (a person's deploy, or CI's workflow). */
export interface RunbookCommand {
  readonly text: string;
  readonly via: "npm-deploy" | "gh-workflow";
  /** The environment the runbook shows (its example: every environment runs the same). */
  readonly environment: string;
  readonly stacks: string[];
  /** Only plans (`--plan`): nothing is applied, the plan-only variables are set. */
  readonly planOnly: boolean;
  /** The branch `gh workflow run --ref` names (undefined: none, so the repository's default branch). */
  readonly ref?: string;
}

/** A numbered step; its commands are alternatives (e.g. "through the infra workflow instead"). */
export interface RunbookStep {
  readonly number: number;
  readonly commands: RunbookCommand[];
}

/** Flags of the deploy command that take a value. */
const VALUED_FLAGS = ["--image-tag"];

/** The text of a `## ` section, without the next one. */
export function runbookSection(title: string): string {
  const start = RUNBOOK.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`docs/runbook.md has no section "${title}"`);
  const end = RUNBOOK.indexOf("\n## ", start + 1);
  return RUNBOOK.slice(start, end < 0 ? undefined : end);
}

/** The numbered steps of the first deploy, in order. */
export function firstDeploySteps(): RunbookStep[] {
  const section = runbookSection("First deploy of a new environment");
  const items = section.split(/^(?=\d+\. )/m).slice(1);
  return items.map((item) => ({ number: Number(/^(\d+)\./.exec(item)?.[1]), commands: commandsIn(item) }));
}

/** The deploy commands of a piece of the runbook, in order. */
export function commandsIn(text: string): RunbookCommand[] {
  const found = [
    ...[...text.matchAll(/npm run deploy -- ([^\n`]+)/g)].map((m) => ({ at: m.index ?? 0, command: npmDeploy(m) })),
    ...[...text.matchAll(/gh workflow run infra\.yml([^\n`]*)/g)].map((m) => ({ at: m.index ?? 0, command: ghRun(m) })),
  ];
  return found.sort((a, b) => a.at - b.at).map((f) => f.command);
}

function npmDeploy(match: RegExpMatchArray): RunbookCommand {
  const [environment, ...tokens] = match[1].trim().split(/\s+/);
  const stacks: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token.startsWith("--")) stacks.push(token);
    else if (VALUED_FLAGS.includes(token)) i++;
    else flags.push(token.split("=")[0]);
  }
  return {
    text: match[0].trim(),
    via: "npm-deploy",
    environment,
    stacks: known(stacks, match[0]),
    planOnly: flags.includes("--plan"),
  };
}

function ghRun(match: RegExpMatchArray): RunbookCommand {
  const fields = new Map(
    [...match[1].matchAll(/(?:-f|-F|--field|--raw-field)\s+(\w+)=(?:"([^"]*)"|'([^']*)'|(\S+))/g)].map((f) => [
      f[1],
      f[2] ?? f[3] ?? f[4],
    ]),
  );
  const environment = fields.get("environment");
  const stacks = (fields.get("stacks") ?? "").split(/\s+/).filter(Boolean);
  if (!environment || stacks.length === 0) throw new Error(`runbook: ${match[0]} names no environment or stacks`);
  const ref = /(?:^|\s)(?:--ref|-r)[\s=]+(\S+)/.exec(match[1])?.[1];
  return {
    text: match[0].trim(),
    via: "gh-workflow",
    environment,
    stacks: known(stacks, match[0]),
    planOnly: false,
    ref,
  };
}

/** Every word must be a stack concern: a typo in the runbook fails here, not in someone's terminal. */
function known(stacks: string[], command: string): string[] {
  const unknown = stacks.filter((s) => !(CONCERNS as readonly string[]).includes(s));
  if (unknown.length > 0 || stacks.length === 0) {
    throw new Error(
      `runbook: "${command.trim()}" names ${unknown.join(", ") || "no stack"}; stacks: ${CONCERNS.join(", ")}`,
    );
  }
  return stacks;
}

/**
 * What the runbook says a parent zone's environment applies before its children's network: the
 * step numbers and the parent ("steps 1 and 2 below for prod before dev's network").
 */
export function parentStepsFirst(): { parent: string; steps: number[] } {
  const section = runbookSection("First deploy of a new environment").replace(/\s+/g, " ");
  const match = /steps? ((?:\d+(?:, | and )?)+) below for (\w+) before \w+'s network/.exec(section);
  if (!match)
    throw new Error("runbook: the first deploy no longer says which steps a parent zone's environment runs first");
  return { parent: match[2], steps: match[1].split(/, | and /).map(Number) };
}
