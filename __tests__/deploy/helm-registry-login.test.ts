/**
 * Helm's login to an environment's ECR for terraform's Helm provider: the docker config.json file
 * under HELM_CONFIG_HOME (mocked ECR GetAuthorizationToken).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { ecrRegistryHost, loadEnvironments } from "../../config";
import { helmRegistryLogin } from "../../scripts/deploy/helm-registry-login";
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
  afterEach(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
  afterAll(() => ecr.restore());

  const login = () => helmRegistryLogin(dev, new ECRClient({ region: dev.account.region }), tmpRoot);

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
      `charts ${dev.name}: logging helm in to ${ecrRegistryHost(dev)}: ECR GetAuthorizationToken failed (AccessDeniedException: not authorized); the role running the deploy needs ecr:GetAuthorizationToken (docs/who-can.md)`,
    );
    expect(fs.readdirSync(tmpRoot)).toEqual([]);
  });
});
