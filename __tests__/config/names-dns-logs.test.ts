/** The names DNS delegation and log shipping rely on across stacks and accounts (config/naming.ts). */
import {
  PARENT_ZONE_ROLE_VARIABLE,
  ZONE_READER_SUFFIX,
  containerLogGroupName,
  zoneDelegationRoleArn,
  zoneDelegationRoleName,
} from "../../config";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";

describe("names for DNS delegation and logs", () => {
  it("names the parent's delegation role after the parent environment and the child", () => {
    expect(zoneDelegationRoleName(prod, "dev")).toBe("marketing-agents-prod-dns-dev");
    expect(zoneDelegationRoleArn(prod, "staging")).toBe(
      "arn:aws:iam::333333333333:role/marketing-agents-prod-dns-staging",
    );
    expect(zoneDelegationRoleArn(staging, "qa")).toBe("arn:aws:iam::222222222222:role/marketing-agents-staging-dns-qa");
  });

  it("derives the read-only twin and the variable plans set from fixed names", () => {
    expect(`${zoneDelegationRoleName(prod, "dev")}${ZONE_READER_SUFFIX}`).toBe("marketing-agents-prod-dns-dev-read");
    expect(PARENT_ZONE_ROLE_VARIABLE).toBe("dns_parent_role_arn");
  });

  it("puts container logs next to the control plane's, under the cluster's name", () => {
    expect(containerLogGroupName(prod)).toBe("/aws/eks/marketing-agents-prod/containers");
    expect(containerLogGroupName(staging)).toBe("/aws/eks/marketing-agents-staging/containers");
  });
});
