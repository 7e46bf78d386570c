/**
 * Helm's login to an environment's ECR for terraform's Helm provider: the docker config.json file
 * under HELM_CONFIG_HOME (mocked ECR GetAuthorizationToken), removed however the process ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { build } from "esbuild";
import { ecrRegistryHost, loadEnvironments } from "../../config";
import { helmRegistryLogin, type HelmRegistryLogin } from "../../scripts/deploy/helm-registry-login";
import { awsError } from "./deploy-helpers";

const [dev] = loadEnvironments("dev");
const TOKEN = Buffer.from("AWS:not-a-real-password").toString("base64");

describe("helm registry login", () => {
  const ecr = mockClient(ECRClient);
  let tmpRoot: string;
  beforeEach(() => {
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: TOKEN, proxyEndpoint: `https://${ecrRegistryHost(dev)}` }],
    });
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "helm-login-test-"));
  });
  // Every login cleaned up: a live one keeps the process's exit and signal listeners.
  const logins: HelmRegistryLogin[] = [];
  afterEach(() => {
    logins.splice(0).forEach((l) => l.cleanup());
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });
  afterAll(() => ecr.restore());

  const login = async () => {
    const made = await helmRegistryLogin(dev, new ECRClient({ region: dev.account.region }), tmpRoot);
    logins.push(made);
    return made;
  };

  it("writes registry/config.json under HELM_CONFIG_HOME with ECR's token as the registry's auth", async () => {
    const { env } = await login();
    const file = path.join(env.HELM_CONFIG_HOME, "registry", "config.json");
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ auths: { [ecrRegistryHost(dev)]: { auth: TOKEN } } });
    expect(path.dirname(env.HELM_CONFIG_HOME)).toBe(tmpRoot);
    expect(Object.keys(env)).toEqual(["HELM_CONFIG_HOME"]);
  });

  it("lets only its owner read the credential: file 0600 in folders 0700", async () => {
    const { env } = await login();
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(mode(path.join(env.HELM_CONFIG_HOME, "registry", "config.json"))).toBe(0o600);
    expect(mode(path.join(env.HELM_CONFIG_HOME, "registry"))).toBe(0o700);
    expect(mode(env.HELM_CONFIG_HOME)).toBe(0o700);
  });

  it("removes the credential on cleanup, and a second cleanup is harmless", async () => {
    const { env, cleanup } = await login();
    cleanup();
    expect(fs.existsSync(env.HELM_CONFIG_HOME)).toBe(false);
    expect(() => cleanup()).not.toThrow();
    expect(fs.readdirSync(tmpRoot)).toEqual([]);
  });

  it("gives every login a folder of its own", async () => {
    const [a, b] = await Promise.all([login(), login()]);
    expect(a.env.HELM_CONFIG_HOME).not.toBe(b.env.HELM_CONFIG_HOME);
  });

  it("fails in one line naming the environment and the permission when ECR refuses, leaving nothing behind", async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError("AccessDeniedException", "not authorized\nmore"));
    await expect(login()).rejects.toThrow(
      `charts ${dev.name}: logging in to ${ecrRegistryHost(dev)}: ECR GetAuthorizationToken failed (AccessDeniedException: not authorized); the role running the deploy needs ecr:GetAuthorizationToken: the CI roles' rights come from the bootstrap stack, applied by people (npm run deploy -- ${dev.name} bootstrap --apply); see docs/who-can.md`,
    );
    expect(fs.readdirSync(tmpRoot)).toEqual([]);
  });
});

/**
 * The credential also goes when the process ends without its cleanup: at exit, or on SIGINT or
 * SIGTERM (Ctrl-C, a cancelled CI job). Run in a real Node process (the deploy's own bundle
 * format, esbuild) that logs in, prints its folder and waits; the signal must still end it the way
 * it did before (killed by that signal), and the handlers must not pile up over many logins.
 */
describe("helm registry login, when the process ends", () => {
  let work: string;
  let bundle: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "helm-login-process-"));
    const entry = path.join(work, "login-and-wait.ts");
    fs.writeFileSync(
      entry,
      [
        `import { loadEnvironments } from ${JSON.stringify(path.resolve(__dirname, "../../config"))};`,
        `import { helmRegistryLogin } from ${JSON.stringify(path.resolve(__dirname, "../../scripts/deploy/helm-registry-login"))};`,
        `const ecr = { send: async () => ({ authorizationData: [{ authorizationToken: "dG9rZW4=" }] }) };`,
        `const [dev] = loadEnvironments("dev");`,
        `void (async () => {`,
        `  const logins = [await helmRegistryLogin(dev, ecr as never, process.argv[2]), await helmRegistryLogin(dev, ecr as never, process.argv[2])];`,
        `  console.log(JSON.stringify({ homes: logins.map((l) => l.env.HELM_CONFIG_HOME), listeners: ["exit", "SIGINT", "SIGTERM"].map((e) => process.listenerCount(e)) }));`,
        `  if (process.argv[3] === "exit") process.exit(0);`,
        `  setInterval(() => undefined, 1000);`,
        `})();`,
      ].join("\n"),
    );
    bundle = path.join(work, "login-and-wait.js");
    await build({ entryPoints: [entry], bundle: true, platform: "node", outfile: bundle, logLevel: "warning" });
  }, 60_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // A process a failed expectation left waiting is ended, or jest would wait for it.
  const started: ChildProcess[] = [];
  afterEach(() => started.splice(0).forEach((child) => child.exitCode === null && child.kill("SIGKILL")));

  /** Starts the process; resolves with what it printed once logged in, and how it ended. */
  function loggedIn(tmpRoot: string, mode: "wait" | "exit") {
    const child = spawn(process.execPath, [bundle, tmpRoot, mode], { stdio: ["ignore", "pipe", "inherit"] });
    started.push(child);
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const printed = new Promise<{ homes: string[]; listeners: number[] }>((resolve) =>
      child.stdout.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString("utf8")))),
    );
    return { child, printed, ended };
  }

  let tmpRoot: string;
  beforeEach(() => (tmpRoot = fs.mkdtempSync(path.join(work, "tmp-"))));

  it.each(["SIGINT", "SIGTERM"] as const)(
    "removes every live login on %s, then the signal ends the process as without the handler",
    async (signal) => {
      const { child, printed, ended } = loggedIn(tmpRoot, "wait");
      const { homes, listeners } = await printed;
      expect(homes.every((home) => fs.existsSync(path.join(home, "registry", "config.json")))).toBe(true);
      child.kill(signal);
      expect(await ended).toEqual({ code: null, signal });
      expect(fs.readdirSync(tmpRoot)).toEqual([]);
      // One handler per event for both logins.
      expect(listeners).toEqual([1, 1, 1]);
    },
    30_000,
  );

  it("removes every live login when the process exits without cleaning up", async () => {
    const { printed, ended } = loggedIn(tmpRoot, "exit");
    await printed;
    expect(await ended).toEqual({ code: 0, signal: null });
    expect(fs.readdirSync(tmpRoot)).toEqual([]);
  }, 30_000);
});

describe("helm registry login, the process's listeners", () => {
  const ecr = mockClient(ECRClient);
  let tmpRoot: string;
  beforeEach(() => {
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: TOKEN }] });
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "helm-login-test-"));
  });
  afterEach(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
  afterAll(() => ecr.restore());

  const counts = () => ["exit", "SIGINT", "SIGTERM"].map((e) => process.listenerCount(e));

  it("adds one listener per event while a login lives, and none is left after many stacks' logins", async () => {
    const before = counts();
    for (let stack = 0; stack < 20; stack++) {
      const login = await helmRegistryLogin(dev, new ECRClient({ region: dev.account.region }), tmpRoot);
      expect(counts()).toEqual(before.map((n) => n + 1));
      login.cleanup();
      login.cleanup();
    }
    expect(counts()).toEqual(before);
  });

  it("keeps its listeners until the last of several live logins is cleaned up", async () => {
    const before = counts();
    const client = new ECRClient({ region: dev.account.region });
    const [a, b] = [await helmRegistryLogin(dev, client, tmpRoot), await helmRegistryLogin(dev, client, tmpRoot)];
    a.cleanup();
    expect(counts()).toEqual(before.map((n) => n + 1));
    b.cleanup();
    expect(counts()).toEqual(before);
  });
});
