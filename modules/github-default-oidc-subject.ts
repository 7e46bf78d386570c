import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template";
import { Construct } from "constructs";

/**
 * Holds a repository's OIDC subject-claim template at GitHub's default
 * (`repo:<owner>/<repo>:environment:<name>`, `...:ref:<ref>`, `...:pull_request`), the form every
 * AWS role trust of this project compares (modules/github-oidc.ts githubSubjects). Owned here so
 * that a changed template shows as drift in a plan instead of silently breaking (or reshaping)
 * what the roles trust. The workflow and branch are checked through their own claims
 * (`job_workflow_ref`, `ref`), which AWS STS evaluates directly, so no custom template is needed
 * (https://docs.github.com/en/rest/actions/oidc#set-the-customization-template-for-an-oidc-subject-claim-for-a-repository).
 */
export class GithubDefaultOidcSubject extends Construct {
  constructor(scope: Construct, id: string, props: { readonly repository: string }) {
    super(scope, id);
    new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, "template", {
      repository: props.repository,
      useDefault: true,
    });
  }
}
