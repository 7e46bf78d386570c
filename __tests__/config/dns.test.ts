/**
 * The DNS settings: the app's name must be in the zone, a zone either exists or is delegated, and
 * a parent's offer of delegation must match what the child asks for (config/schema.ts, config/index.ts).
 */
import { ConfigError, loadEnvironments, zoneDelegationRoleArn, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import { declaredByName, declaredNames, type Mutable } from "../helpers";

type Environments = Record<string, Mutable<EnvironmentConfig>> &
  Record<"dev" | "staging" | "prod", Mutable<EnvironmentConfig>>;

/** The problems of every declared environment after `change`; [] when they load. */
function problemsAfter(change: (envs: Environments) => void): string[] {
  const envs = declaredByName() as Environments;
  change(envs);
  try {
    loadEnvironments(undefined, Object.values(envs));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message
      .split("\n")
      .filter((line) => line.includes("environment "))
      .map((line) => line.replace(/^\s*- /, ""));
  }
}

const line = (text: string) => expect.arrayContaining([expect.stringContaining(text)]);

/** Where prod offers `name` the delegation: found by name, so a new child may be appended anywhere. */
function childIndex(name: string): number {
  const index = prod.dns.childEnvironments.findIndex((c) => c.name === name);
  if (index < 0) throw new Error(`prod's dns.childEnvironments lists no ${name}`);
  return index;
}
const devChild = childIndex("dev");
const stagingChild = childIndex("staging");

describe("DNS settings", () => {
  it("accepts the shipped zones: prod's existing example.com, dev and staging delegated from it", () => {
    expect(problemsAfter(() => undefined)).toEqual([]);
    expect(dev.dns).toMatchObject({ zoneName: "dev.example.com", zoneId: null });
    expect(dev.dns.parent?.roleArn).toBe(zoneDelegationRoleArn(prod, "dev"));
    expect(prod.dns).toMatchObject({ zoneName: "example.com", parent: null });
  });

  it.each([
    ["the zone itself", "dev.example.com", true],
    ["a name below it", "marketing-agents.dev.example.com", true],
    ["a sibling zone", "marketing-agents.staging.example.com", false],
    ["a name that only ends like it", "marketing-agents.notdev.example.com", false],
    ["the parent", "example.com", false],
  ])("app.domain as %s (%s): accepted %s", (_what, domain, accepted) => {
    const problems = problemsAfter((e) => {
      e.dev.app.domain = domain;
    });
    if (accepted) expect(problems).toEqual([]);
    else
      expect(problems).toEqual([
        `environment "dev", setting app.domain: must be dev.example.com or a name below it (dns.zoneName), got ${domain}`,
      ]);
  });

  it("refuses a created zone nobody delegates to", () => {
    expect(problemsAfter((e) => (e.dev.dns.parent = null))).toEqual(
      line('environment "dev", setting dns.parent: must name the parent zone to delegate from when zoneId is null'),
    );
  });

  it("refuses a parent for an existing zone", () => {
    expect(problemsAfter((e) => (e.prod.dns.parent = { zoneId: "Z0000000000000EXAMPLE", roleArn: null }))).toEqual(
      line('environment "prod", setting dns.parent: must be null when zoneId names an existing zone'),
    );
  });

  it("accepts an existing zone instead of a delegated one", () => {
    expect(
      problemsAfter((e) => {
        e.staging.dns = { zoneName: "staging.example.com", zoneId: "Z123STAGING", parent: null, childEnvironments: [] };
        e.prod.dns.childEnvironments = e.prod.dns.childEnvironments.filter((c) => c.name !== "staging");
      }),
    ).toEqual([]);
  });

  it.each(["z123", "Z", "Zabc", "xZ123", "Z0123456789012345678901234567890123"])("refuses the zone id %s", (zoneId) => {
    expect(problemsAfter((e) => (e.prod.dns.zoneId = zoneId))).toEqual(
      line('environment "prod", setting dns.zoneId: must be a Route 53 hosted zone id'),
    );
  });

  it("refuses children of a zone that is itself created", () => {
    expect(
      problemsAfter((e) => {
        e.dev.dns.childEnvironments = [
          {
            name: "staging",
            accountId: "222222222222",
            zoneName: "staging.example.com",
            adminRoleArns: [...staging.cluster.adminRoleArns],
          },
        ];
      }),
    ).toEqual(
      line('environment "dev", setting dns.childEnvironments: must be empty unless zoneId names an existing zone'),
    );
  });

  describe("delegation across environments", () => {
    it("refuses a child that is not an environment", () => {
      expect(
        problemsAfter((e) => {
          e.prod.dns.childEnvironments[devChild].name = "no-such-env";
        }),
      ).toEqual(
        line(
          `environment "prod", setting dns.childEnvironments[${devChild}]: no-such-env is not an environment; allowed: ${declaredNames().join(", ")}`,
        ),
      );
    });

    it("refuses a child in another account than the one listed", () => {
      expect(
        problemsAfter((e) => {
          e.prod.dns.childEnvironments[devChild].accountId = "999999999999";
        }),
      ).toEqual(line(`setting dns.childEnvironments[${devChild}].accountId: must be 111111111111, the account of dev`));
    });

    it("refuses a child whose people differ from the child's cluster.adminRoleArns", () => {
      expect(
        problemsAfter((e) => {
          e.prod.dns.childEnvironments[devChild].adminRoleArns = ["arn:aws:iam::111111111111:role/Someone"];
        }),
      ).toEqual(
        line(
          `setting dns.childEnvironments[${devChild}].adminRoleArns: must be ["arn:aws:iam::111111111111:role/PlatformAdmin"], the cluster.adminRoleArns of dev (got ["arn:aws:iam::111111111111:role/Someone"])`,
        ),
      );
    });

    it("accepts a child's people in another order than its cluster.adminRoleArns", () => {
      const second = "arn:aws:iam::111111111111:role/SecondAdmin";
      expect(
        problemsAfter((e) => {
          e.dev.cluster.adminRoleArns = [...dev.cluster.adminRoleArns, second];
          e.prod.dns.childEnvironments[devChild].adminRoleArns = [second, ...dev.cluster.adminRoleArns];
        }),
      ).toEqual([]);
    });

    it("refuses a child zone other than the child's own", () => {
      expect(
        problemsAfter((e) => {
          e.prod.dns.childEnvironments[stagingChild].zoneName = "other.example.com";
        }),
      ).toEqual(
        line(
          `setting dns.childEnvironments[${stagingChild}].zoneName: must be staging.example.com, the zone of staging`,
        ),
      );
    });

    it("refuses a child zone outside the parent", () => {
      expect(
        problemsAfter((e) => {
          e.dev.dns.zoneName = "dev.example.org";
          e.dev.app.domain = "marketing-agents.dev.example.org";
          e.prod.dns.childEnvironments[devChild].zoneName = "dev.example.org";
        }),
      ).toEqual(
        line(`setting dns.childEnvironments[${devChild}].zoneName: must be below example.com (got dev.example.org)`),
      );
    });

    it("refuses a child whose parent does not list it (the parent's role would not trust it)", () => {
      expect(
        problemsAfter((e) => {
          e.prod.dns.childEnvironments = e.prod.dns.childEnvironments.filter((c) => c.name !== "staging");
        }),
      ).toEqual([
        `environment "staging", setting dns.parent: no environment offers staging the delegation ${zoneDelegationRoleArn(prod, "staging")}; add staging to its parent's dns.childEnvironments and use the role it names`,
      ]);
    });

    it("refuses a listed child that uses an existing zone instead of the delegation", () => {
      expect(
        problemsAfter((e) => {
          e.dev.dns = { zoneName: "dev.example.com", zoneId: "Z123DEV", parent: null, childEnvironments: [] };
        }),
      ).toEqual([
        `environment "dev", setting dns.parent: must be { zoneId: "Z0000000000000EXAMPLE", roleArn: "${zoneDelegationRoleArn(prod, "dev")}" }, the delegation prod offers it`,
      ]);
    });

    it.each([
      ["another parent zone", (e: Environments) => (e.dev.dns.parent!.zoneId = "Z999OTHER")],
      ["another role", (e: Environments) => (e.dev.dns.parent!.roleArn = "arn:aws:iam::333333333333:role/other")],
      ["no role (same account)", (e: Environments) => (e.dev.dns.parent!.roleArn = null)],
    ])("refuses a child whose parent setting names %s", (_what, change) => {
      expect(problemsAfter(change)).toEqual([
        `environment "dev", setting dns.parent: must be { zoneId: "Z0000000000000EXAMPLE", roleArn: "${zoneDelegationRoleArn(prod, "dev")}" }, the delegation prod offers it`,
      ]);
    });
  });
});
