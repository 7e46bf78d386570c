import { CONCERNS, type Concern } from "../../config";
import { synthEnvironment } from "../helpers";

describe.each(["dev", "staging", "prod"])("%s stacks", (env) => {
  const synth = synthEnvironment(env);

  it.each([...CONCERNS])(
    `synthesizes ${env}-%s with the AWS provider locked to the environment's account`,
    (concern) => {
      const [aws] = synth.json(concern as Concern).provider?.aws ?? [];
      expect(aws).toMatchObject({
        region: synth.config.account.region,
        allowed_account_ids: [synth.config.account.id],
      });
    },
  );

  it.each([...CONCERNS])("tags every AWS resource of %s through the provider's default tags", (concern) => {
    const [aws] = synth.json(concern as Concern).provider?.aws ?? [];
    expect(aws.default_tags).toEqual([
      {
        tags: {
          Project: "marketing-agents",
          Environment: env,
          Stack: concern,
          ManagedBy: "cdktf",
          Owner: synth.config.tags.owner,
          CostCenter: synth.config.tags.costCenter,
        },
      },
    ]);
  });

  it.each([...CONCERNS])("keeps %s state in the environment's bucket, encrypted and lock-file locked", (concern) => {
    const { account } = synth.config;
    expect(synth.json(concern).terraform.backend).toEqual({
      s3: {
        bucket: `marketing-agents-tfstate-${env}-${account.id}`,
        key: `${env}/${concern}.tfstate`,
        region: account.region,
        encrypt: true,
        kms_key_id: `arn:aws:kms:${account.region}:${account.id}:alias/marketing-agents-${env}-tfstate`,
        use_lockfile: true,
      },
    });
  });
});
