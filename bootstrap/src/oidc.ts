import { Environment, previewEnvironmentName } from "./names";

/** Issuer of GitHub Actions OIDC tokens. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** Audience that Entra ID expects for workload identity federation (azure/login's default). */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface FederatedSubject {
  /** Name of the federated identity credential resource in Azure. */
  readonly name: string;
  /** The `sub` claim GitHub puts in the token. */
  readonly subject: string;
}

/**
 * Subjects the plan (read-only) identity trusts: a pull-request job without an environment, and
 * any job in the `<env>-preview` GitHub environment (PR previews and the daily drift check).
 */
export function planSubjects(owner: string, repo: string, env: Environment): FederatedSubject[] {
  return [
    { name: "github-pull-request", subject: `repo:${owner}/${repo}:pull_request` },
    {
      name: `github-env-${previewEnvironmentName(env)}`,
      subject: `repo:${owner}/${repo}:environment:${previewEnvironmentName(env)}`,
    },
  ];
}

/**
 * The only subject the apply identity trusts: a job in the GitHub environment of the same name,
 * which is where required reviewers and the `main`-only branch policy are enforced.
 */
export function applySubjects(owner: string, repo: string, env: Environment): FederatedSubject[] {
  return [{ name: `github-env-${env}`, subject: `repo:${owner}/${repo}:environment:${env}` }];
}
