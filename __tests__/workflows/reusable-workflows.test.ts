/**
 * The workflows of .github/workflows against the rules GitHub applies before a run starts (the
 * model in github-actions-model.ts, with its documentation). A refused run starts no job and shows
 * no log, and neither actionlint nor zizmor checks a caller against the workflow it calls.
 */
import * as path from "node:path";
import { parse } from "yaml";
import {
  RESTRICTED_DEFAULT,
  callerGrant,
  excess,
  grantOf,
  localCallee,
  nestingProblems,
  permissionProblems,
  readWorkflows,
  startProblems,
  type Workflow,
} from "./github-actions-model";

const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));
const yaml = (text: string) => parse(text) as Workflow;
const apply = yaml(`
on: { workflow_call: { inputs: { environment: { type: string, required: true }, tag: { type: string, default: "" } } } }
permissions: { contents: read, id-token: write }
jobs: { apply: { runs-on: x, steps: [] } }
`);
const callerOf = (job: string, top = "permissions: { contents: read }") =>
  yaml(`
on: push
${top}
jobs:
  build: { runs-on: x, steps: [] }
  deploy: ${job}
`);
const problemsOf = (caller: Workflow, called = apply) =>
  startProblems(
    new Map([
      ["infra.yml", caller],
      ["apply.yml", called],
    ]),
  );

describe("GitHub's start-up rules over .github/workflows", () => {
  it("every workflow of the repository starts: no rule modelled here refuses it", () => {
    expect(workflows.size).toBeGreaterThanOrEqual(4);
    expect(startProblems(workflows)).toEqual([]);
  });

  it("checks every local call: each called workflow is called, with the caller's own grant", () => {
    const calls = [...workflows].flatMap(([file, wf]) =>
      Object.entries(wf.jobs).flatMap(([name, job]) =>
        typeof job.uses === "string" && localCallee(job.uses) ? [[`${file}:${name}`, localCallee(job.uses)]] : [],
      ),
    );
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const [caller, callee] of calls) {
      const [file, name] = (caller as string).split(":");
      const workflow = workflows.get(file) as Workflow;
      const called = workflows.get(callee as string) as Workflow;
      const grant = callerGrant(workflow, workflow.jobs[name]);
      // The token each called job gets (its own permissions, else its workflow's): within the grant.
      for (const job of Object.values(called.jobs)) {
        expect(excess(grantOf(job.permissions ?? called.permissions ?? {}), grant)).toEqual([]);
      }
    }
  });
});

describe("the model of GitHub's rules", () => {
  it("refuses a call whose job grants less than the called workflow asks (the workflow-level contents: read)", () => {
    expect(problemsOf(callerOf("{ uses: ./.github/workflows/apply.yml, with: { environment: dev } }"))).toEqual([
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): apply.yml (workflow permissions) is requesting 'id-token: write', but is only allowed 'id-token: none'",
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): nested job 'apply' of apply.yml is requesting 'id-token: write', but is only allowed 'id-token: none'",
    ]);
  });

  it("lets a calling job's permissions replace its workflow's", () => {
    const job =
      "{ uses: ./.github/workflows/apply.yml, permissions: { contents: read, id-token: write }, with: { environment: dev } }";
    expect(problemsOf(callerOf(job))).toEqual([]);
    // ...and replace, not add: a job that names only id-token holds contents: none.
    const narrow =
      "{ uses: ./.github/workflows/apply.yml, permissions: { id-token: write }, with: { environment: dev } }";
    expect(problemsOf(callerOf(narrow))).toEqual([
      expect.stringMatching(
        /apply\.yml \(workflow permissions\) is requesting 'contents: read', but is only allowed 'contents: none'$/,
      ),
      expect.stringMatching(
        /nested job 'apply' of apply\.yml is requesting 'contents: read', but is only allowed 'contents: none'$/,
      ),
    ]);
  });

  it("checks a called job's own permissions too, against the caller's grant", () => {
    const called = yaml(`
on: { workflow_call: {} }
permissions: { contents: read }
jobs: { post: { runs-on: x, permissions: { pull-requests: write }, steps: [] } }
`);
    const problems = permissionProblems("caller", "post.yml", grantOf({ contents: "read" }), called);
    expect(problems).toEqual([
      "caller: nested job 'post' of post.yml is requesting 'pull-requests: write', but is only allowed 'pull-requests: none'",
    ]);
  });

  it("reads write as including read, and none as nothing", () => {
    expect(excess(grantOf({ contents: "read" }), grantOf({ contents: "write" }))).toEqual([]);
    expect(excess(grantOf({ contents: "write" }), grantOf({ contents: "read" }))).toHaveLength(1);
    expect(excess(grantOf({ contents: "none" }), grantOf({}))).toEqual([]);
  });

  it("reads the read-all and write-all shorthands (read-all gives no OIDC token)", () => {
    expect(grantOf("read-all")).toMatchObject({ contents: "read", "pull-requests": "read", "id-token": "none" });
    expect(grantOf("write-all")).toMatchObject({ contents: "write", "id-token": "write" });
    expect(excess(grantOf({ "id-token": "write" }), grantOf("read-all"))).toEqual([
      { asked: "id-token: write", allowed: "id-token: none" },
    ]);
    expect(excess(grantOf("read-all"), grantOf("write-all"))).toEqual([]);
  });

  it("gives a caller without any permissions the restricted default, which has no OIDC token", () => {
    const caller = yaml("on: push\njobs: { deploy: { uses: ./.github/workflows/apply.yml } }");
    expect(callerGrant(caller, caller.jobs.deploy)).toEqual(RESTRICTED_DEFAULT);
    expect(problemsOf(caller)).toContain(
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): nested job 'apply' of apply.yml is requesting 'id-token: write', but is only allowed 'id-token: none'",
    );
  });

  it("fails on an unknown scope or level rather than guessing", () => {
    expect(() => grantOf({ "id-tokens": "write" })).toThrow("unknown permission scope id-tokens");
    expect(() => grantOf({ contents: "admin" })).toThrow("contents: admin is not none, read or write");
  });

  it("refuses needs that name no job of the workflow, and cycles", () => {
    const job =
      "{ needs: [biuld], uses: ./.github/workflows/apply.yml, permissions: write-all, with: { environment: dev } }";
    expect(problemsOf(callerOf(job))).toEqual([
      "infra.yml: job deploy needs 'biuld', which is not a job of this workflow",
    ]);
    const cycle = yaml("on: push\njobs: { a: { needs: b, runs-on: x }, b: { needs: [a], runs-on: x } }");
    expect(startProblems(new Map([["c.yml", cycle]]))).toEqual(["c.yml: jobs need each other in a cycle: a -> b -> a"]);
  });

  it("refuses calling a workflow that is not on workflow_call, or that does not exist", () => {
    const pushOnly = yaml("on: [push]\njobs: { apply: { runs-on: x } }");
    const job = "{ uses: ./.github/workflows/apply.yml, permissions: write-all }";
    expect(problemsOf(callerOf(job), pushOnly)).toEqual([
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): apply.yml has no 'on: workflow_call'",
    ]);
    const missing = "{ uses: ./.github/workflows/aply.yml, permissions: write-all }";
    expect(problemsOf(callerOf(missing))).toEqual([
      "infra.yml: job deploy (uses ./.github/workflows/aply.yml): no workflow aply.yml",
    ]);
  });

  it("refuses inputs the called workflow does not declare, and missing required ones (a default makes one optional)", () => {
    const job = "{ uses: ./.github/workflows/apply.yml, permissions: write-all, with: { env: dev } }";
    expect(problemsOf(callerOf(job))).toEqual([
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): input 'env' is not declared by apply.yml",
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): required input 'environment' of apply.yml is not given",
    ]);
  });

  it("refuses more than four levels of workflows (the caller counts as one)", () => {
    const calls = (next: string) =>
      yaml(`on: { workflow_call: {} }\njobs: { next: { uses: ./.github/workflows/${next}, permissions: write-all } }`);
    const leaf = yaml("on: { workflow_call: {} }\njobs: { work: { runs-on: x, steps: [] } }");
    const chain = (levels: number) =>
      new Map<string, Workflow>(
        Array.from({ length: levels }, (_, i) => [`w${i}.yml`, i === levels - 1 ? leaf : calls(`w${i + 1}.yml`)]),
      );
    expect(startProblems(chain(4))).toEqual([]);
    expect(startProblems(chain(5))).toEqual([
      "w0.yml: 5 levels of workflows (w0.yml -> w1.yml -> w2.yml -> w3.yml -> w4.yml); GitHub allows 4",
    ]);
    // infra.yml -> deliver.yml -> plan.yml / apply.yml: three.
    expect(nestingProblems("infra.yml", workflows)).toEqual([]);
  });

  it("refuses keywords a calling job cannot have (it runs no steps of its own)", () => {
    const job =
      "{ uses: ./.github/workflows/apply.yml, permissions: write-all, environment: prod, with: { environment: dev } }";
    expect(problemsOf(callerOf(job))).toEqual([
      "infra.yml: job deploy (uses ./.github/workflows/apply.yml): 'environment' is not supported on a job that calls a reusable workflow",
    ]);
  });
});
