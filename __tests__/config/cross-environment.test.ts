/**
 * Config across environments catches a copied environment file (config/cross-environment.ts,
 * config/index.ts): zones, host names, delegations and accounts are each one environment's, unless
 * an account is declared shared on both sides. The environments are every declared one plus the
 * doc's example (`qa`), added as docs/environments.md says (../add-environment.ts), then broken the
 * way a copy would be. Expected lines are written for `qa` in account 444444444444 and follow the
 * example wherever freshSteps moved it (once a real `qa` is declared).
 */
import { zoneDelegationRoleArn, type EnvironmentConfig } from "../../config";
import { staging } from "../../config/staging";
import { addedAsDocumented, documentedSteps, freshSteps } from "../add-environment";
import { problemsOf, type Mutable } from "../helpers";

type Environments = Record<string, Mutable<EnvironmentConfig>>;

const EXAMPLE = freshSteps(documentedSteps());
const QA = EXAMPLE.name;
const QA_ACCOUNT = EXAMPLE.settings.get("account.id") as string;

/** A line written for `qa` and its account, as the example is actually named. */
const ex = (line: string) => line.replace(/\bqa\b/g, QA).replace(/444444444444/g, QA_ACCOUNT);

/** Config's lines for the declared environments and the example (`added`), after `change`; [] when it accepts them. */
function problemsAfter(change: (envs: Environments) => void): string[] {
  const list = addedAsDocumented({ steps: EXAMPLE });
  change({
    ...Object.fromEntries(list.map((c) => [c.name, c])),
    added: list.find((c) => c.name === QA) as Mutable<EnvironmentConfig>,
  });
  return problemsOf(list);
}

/** The parent's listing of a child (docs/environments.md puts the example in prod's dns.childEnvironments). */
const offerOf = (envs: Environments, child: string) =>
  envs.prod.dns.childEnvironments.find((c) => c.name === child) as Mutable<
    EnvironmentConfig["dns"]["childEnvironments"][number]
  >;

/** Moves the example into another account, the parent's listing with it. */
function moveQa(envs: Environments, accountId: string): void {
  envs.added.account.id = accountId;
  offerOf(envs, QA).accountId = accountId;
}

describe("config across environments: what a copied file keeps", () => {
  it("accepts the declared environments with qa added as the doc says (positive control)", () => {
    expect(problemsAfter(() => undefined)).toEqual([]);
  });

  it("refuses a second environment with the same zone name, suggesting its own below the parent", () => {
    expect(
      problemsAfter((e) => {
        e.added.dns.zoneName = "staging.example.com";
        e.added.app.domain = "api.staging.example.com";
        offerOf(e, QA).zoneName = "staging.example.com";
      }),
    ).toEqual([
      ex(
        'environment "qa", setting dns.zoneName: staging.example.com is already the zone of environment "staging"; each environment needs a zone of its own, such as qa.example.com (and app.domain in it)',
      ),
    ]);
  });

  it("refuses a second environment with the same host name", () => {
    expect(
      problemsAfter((e) => {
        e.added.dns.zoneName = "staging.example.com";
        e.added.app.domain = e.staging.app.domain;
        offerOf(e, QA).zoneName = "staging.example.com";
      }),
    ).toContain(
      ex(
        `environment "qa", setting app.domain: ${stagingDomain()} is already the host name of environment "staging"; use a name in qa's own zone (dns.zoneName)`,
      ),
    );
  });

  it("refuses a host name inside another environment's more specific zone (that zone answers for it)", () => {
    expect(problemsAfter((e) => (e.prod.app.domain = ex("api.qa.example.com")))).toEqual([
      ex(
        'environment "prod", setting app.domain: api.qa.example.com is in qa.example.com, the zone of environment "qa", which answers for it instead of example.com; use a name in example.com outside the other environments\' zones',
      ),
    ]);
  });

  it("refuses a parent that lists a child twice (its delegation roles twice)", () => {
    expect(
      problemsAfter((e) => {
        e.prod.dns.childEnvironments.push({ ...offerOf(e, QA), adminRoleArns: [...offerOf(e, QA).adminRoleArns] });
      }),
    ).toEqual([
      ex(
        `environment "prod", setting dns.childEnvironments[${childCount()}]: lists qa again (dns.childEnvironments[${childCount() - 1}]); list each environment once`,
      ),
    ]);
  });

  it("refuses the delegation role the parent offers another environment, naming the one to use", () => {
    expect(
      problemsAfter((e) => {
        (e.added.dns.parent as { roleArn: string }).roleArn = zoneDelegationRoleArn(e.prod, "staging");
      }),
    ).toEqual([
      ex(
        `environment "qa", setting dns.parent.roleArn: ${zoneDelegationRoleArn(prodConfig(), "staging")} is the delegation prod offers environment "staging"; list qa in prod's dns.childEnvironments and use ${zoneDelegationRoleArn(prodConfig(), "qa")}`,
      ),
    ]);
  });

  it("refuses that role also when the parent does not list the child at all", () => {
    expect(
      problemsAfter((e) => {
        (e.added.dns.parent as { roleArn: string }).roleArn = zoneDelegationRoleArn(e.prod, "staging");
        e.prod.dns.childEnvironments = e.prod.dns.childEnvironments.filter((c) => c.name !== QA);
      }),
    ).toEqual([
      expect.stringContaining(
        'setting dns.parent.roleArn: arn:aws:iam::333333333333:role/marketing-agents-prod-dns-staging is the delegation prod offers environment "staging"',
      ),
    ]);
  });
});

describe("config across environments: ARNs of another environment's account", () => {
  it("refuses an admin role of another environment's account", () => {
    expect(
      problemsAfter((e) => {
        e.added.cluster.adminRoleArns = [...e.staging.cluster.adminRoleArns];
        offerOf(e, QA).adminRoleArns = [...e.staging.cluster.adminRoleArns];
      }),
    ).toEqual([
      ex(
        'environment "qa", setting cluster.adminRoleArns[0]: arn:aws:iam::222222222222:role/PlatformAdmin is in account 222222222222, the account of environment "staging"; use one in qa\'s account 444444444444 (or in an account no environment lives in)',
      ),
    ]);
  });

  it("refuses a CodeConnections connection of another environment's account", () => {
    expect(problemsAfter((e) => (e.added.ci.runner.connectionArn = e.staging.ci.runner.connectionArn))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^environment "${QA}", setting ci\\.runner\\.connectionArn: arn:aws:codeconnections:us-east-1:222222222222:connection/\\S+ is in account 222222222222, the account of environment "staging"; `,
        ),
      ),
    ]);
  });

  it("accepts an admin role of an account no environment lives in (an identity account)", () => {
    const central = "arn:aws:iam::999999999999:role/PlatformAdmin";
    expect(
      problemsAfter((e) => {
        e.added.cluster.adminRoleArns = [central];
        offerOf(e, QA).adminRoleArns = [central];
      }),
    ).toEqual([]);
  });
});

describe("config across environments: one account, two environments", () => {
  it("refuses two environments in one account that do not declare it", () => {
    expect(
      problemsAfter((e) => {
        moveQa(e, e.dev.account.id);
        e.added.ci.createGithubOidcProvider = false;
      }),
    ).toEqual([
      ex(
        'environment "qa", setting account.id: 111111111111 is also the account of environment "dev"; give one of them an account of its own, or declare the sharing on both sides: account.sharedWith ["dev"] in qa and ["qa"] in dev',
      ),
    ]);
  });

  it("accepts them when both declare it and one creates the account's GitHub OIDC provider", () => {
    expect(
      problemsAfter((e) => {
        moveQa(e, e.dev.account.id);
        e.dev.account.sharedWith = [QA];
        e.added.account.sharedWith = ["dev"];
        e.added.ci.createGithubOidcProvider = false;
      }),
    ).toEqual([]);
  });

  it("refuses a second creator of the account's GitHub OIDC provider (IAM has one per account)", () => {
    expect(
      problemsAfter((e) => {
        moveQa(e, e.dev.account.id);
        e.dev.account.sharedWith = [QA];
        e.added.account.sharedWith = ["dev"];
      }),
    ).toEqual([
      ex(
        'environment "qa", setting ci.createGithubOidcProvider: must be false: environment "dev", added before qa, creates the GitHub OIDC provider of account 111111111111 (one per account); qa looks it up, so apply dev\'s bootstrap first',
      ),
    ]);
  });

  // The doc's example sits before staging in ENVIRONMENTS (promotion order) but is appended to the
  // parent's dns.childEnvironments: the copy is the one added later, not the one listed later.
  it("names the added environment, not staging listed after it, as the second OIDC provider creator", () => {
    expect(
      problemsAfter((e) => {
        moveQa(e, e.staging.account.id);
        e.staging.account.sharedWith = [QA];
        e.added.account.sharedWith = ["staging"];
      }),
    ).toEqual([
      ex(
        `environment "qa", setting ci.createGithubOidcProvider: must be false: environment "staging", added before qa, creates the GitHub OIDC provider of account ${staging.account.id} (one per account); qa looks it up, so apply staging's bootstrap first`,
      ),
    ]);
  });

  it("names the added environment, not staging listed after it, for a VPC CIDR copied from staging", () => {
    const problems = problemsAfter((e) => {
      e.added.network.vpcCidr = e.staging.network.vpcCidr;
    });
    expect(problems).toEqual([
      expect.stringContaining(
        ex(
          `environment "qa", setting network.vpcCidr: ${staging.network.vpcCidr} overlaps ${staging.network.vpcCidr} of environment "staging" (added before qa); give qa a range of its own`,
        ),
      ),
    ]);
  });

  it("refuses a sharing declared on one side only, on the side that does not", () => {
    expect(
      problemsAfter((e) => {
        moveQa(e, e.dev.account.id);
        e.added.account.sharedWith = ["dev"];
        e.added.ci.createGithubOidcProvider = false;
      }),
    ).toEqual([
      ex(
        'environment "dev", setting account.sharedWith: must list qa, which shares account 111111111111 with dev and lists it (both sides declare a shared account)',
      ),
    ]);
  });

  it.each([
    [
      "an environment of another account",
      "staging",
      () => ex("staging is in account 222222222222, not 444444444444; list only environments of this account"),
    ],
    ["itself", QA, () => ex("qa is this environment; list the other environments of account 444444444444")],
    ["no environment", "uat", () => `uat is not an environment; allowed: ${otherNames()}`],
  ])("refuses account.sharedWith naming %s", (_what, listed, message) => {
    const problems = problemsAfter((e) => (e.added.account.sharedWith = [listed]));
    expect(problems).toContain(`environment "${QA}", setting account.sharedWith[0]: ${message()}`);
  });

  it("refuses a production environment in a shared account, from either side", () => {
    const viaProd = problemsAfter((e) => {
      e.prod.account.sharedWith = [QA];
    });
    expect(viaProd).toContain(
      'environment "prod", setting account.sharedWith: must be empty (an account of its own) in a production environment',
    );
    const intoProd = problemsAfter((e) => {
      moveQa(e, e.prod.account.id);
      e.added.ci.createGithubOidcProvider = false;
      e.added.cluster.adminRoleArns = ["arn:aws:iam::999999999999:role/PlatformAdmin"];
      offerOf(e, QA).adminRoleArns = ["arn:aws:iam::999999999999:role/PlatformAdmin"];
      e.added.ci.runner.connectionArn = e.added.ci.runner.connectionArn.replace(QA_ACCOUNT, e.prod.account.id);
    });
    expect(intoProd).toEqual([
      ex(
        'environment "qa", setting account.id: 333333333333 is the account of environment "prod", a production environment, which shares its account with none; give qa an account of its own',
      ),
    ]);
  });
});

/** Every environment of the test's list but qa, as config's "allowed:" lists them. */
function otherNames(): string {
  return addedAsDocumented()
    .map((c) => c.name)
    .filter((n) => n !== QA)
    .join(", ");
}

const configNamed = (name: string) => addedAsDocumented().find((c) => c.name === name) as EnvironmentConfig;
const prodConfig = () => configNamed("prod");
const stagingDomain = () => configNamed("staging").app.domain;
/** How many children prod lists once qa is added (qa is the last). */
const childCount = () => prodConfig().dns.childEnvironments.length;
