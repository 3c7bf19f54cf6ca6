import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { GithubReviewers } from "../src/config";

export interface GithubEnvironmentSpec {
  /** GitHub environment name, e.g. `prod` or `prod-preview`. */
  name: string;
  /** Non-secret variables the workflows read as `vars.<NAME>`. */
  variables: Record<string, pulumi.Input<string>>;
  /**
   * Reviewers who must approve each job in this environment.
   * @default undefined (no approval)
   */
  reviewers?: GithubReviewers;
  /**
   * Only the `main` branch may deploy to this environment.
   * @default false
   */
  mainOnly?: boolean;
}

export interface GithubEnvironmentsArgs {
  owner: string;
  repository: string;
  environments: readonly GithubEnvironmentSpec[];
}

/**
 * The GitHub side of delivery, so nobody clicks it together by hand: the environments, their
 * required reviewers, the `main`-only deployment branch policy and the variables the workflows
 * read. The provider takes its token from `GITHUB_TOKEN` in the admin's shell, never from config.
 */
export class GithubEnvironments extends pulumi.ComponentResource {
  public readonly environments: Record<string, github.RepositoryEnvironment> = {};

  constructor(name: string, args: GithubEnvironmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:bootstrap:GithubEnvironments", name, {}, opts);
    const provider = new github.Provider(`${name}-provider`, { owner: args.owner }, { parent: this });
    const childOpts = { parent: this, provider };

    for (const spec of args.environments) {
      const reviewers =
        spec.reviewers && spec.reviewers.teams.length + spec.reviewers.users.length > 0
          ? spec.reviewers
          : undefined;
      const environment = new github.RepositoryEnvironment(
        `${name}-${spec.name}`,
        {
          repository: args.repository,
          environment: spec.name,
          canAdminsBypass: false,
          preventSelfReview: reviewers ? true : undefined,
          reviewers: reviewers ? [{ teams: reviewers.teams, users: reviewers.users }] : undefined,
          deploymentBranchPolicy: spec.mainOnly
            ? { protectedBranches: false, customBranchPolicies: true }
            : undefined,
        },
        childOpts,
      );
      this.environments[spec.name] = environment;

      if (spec.mainOnly) {
        new github.RepositoryEnvironmentDeploymentPolicy(
          `${name}-${spec.name}-main`,
          { repository: args.repository, environment: spec.name, branchPattern: "main" },
          { ...childOpts, dependsOn: [environment] },
        );
      }
      for (const [variableName, value] of Object.entries(spec.variables)) {
        new github.ActionsEnvironmentVariable(
          `${name}-${spec.name}-${variableName}`,
          { repository: args.repository, environment: spec.name, variableName, value },
          { ...childOpts, dependsOn: [environment] },
        );
      }
    }
    this.registerOutputs({ environments: Object.keys(this.environments) });
  }
}
