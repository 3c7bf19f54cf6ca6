import * as pulumi from "@pulumi/pulumi";
import { Provider as AzureNativeProvider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import * as azuread from "@pulumi/azuread";
import { CicdHub } from "../components/cicdHub";
import { EnvironmentAccess } from "../components/environmentAccess";
import { GithubEnvironments, GithubEnvironmentSpec } from "../components/githubEnvironments";
import { StateBackend } from "../components/stateBackend";
import { BootstrapConfig, readBootstrapConfig } from "./config";
import { CicdHubConfig } from "./cicdHub";
import {
  APPROVAL_ENVIRONMENTS,
  BOOTSTRAP_RESOURCE_GROUP,
  Environment,
  ENVIRONMENTS,
  previewEnvironmentName,
  stateKeyVaultName,
  stateStorageAccountName,
} from "./names";

/** Application id of Microsoft Graph, the same in every tenant. */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** The variables one GitHub environment needs; every workflow reads them as `vars.<NAME>`. */
export interface GithubEnvironmentVariables {
  AZURE_CLIENT_ID: string;
  AZURE_TENANT_ID: string;
  AZURE_SUBSCRIPTION_ID: string;
  PULUMI_BACKEND_URL: string;
  PULUMI_SECRETS_PROVIDER: string;
}

export interface BootstrapOutputs {
  /** Keyed by GitHub environment: `<env>` (apply identity) and `<env>-preview` (plan identity). */
  githubEnvironmentVariables: pulumi.Output<Record<string, GithubEnvironmentVariables>>;
  environmentResourceGroups: Record<Environment, string>;
  stateStorageAccount: string;
  keyVault: string;
  /** With `cicdHub` config: exactly the main program's `engram:cicdHub` value, `{vnetId, addressSpace}`. */
  cicdHub?: pulumi.Output<{ vnetId: string; addressSpace: string }>;
  /** The hub subnet GitHub's hosted runners join (delegated to GitHub.Network/networkSettings). */
  cicdRunnerSubnetId?: pulumi.Output<string>;
  /** The network settings' GitHubId tag: what the organization's hosted compute network configuration takes. */
  githubNetworkSettingsId?: pulumi.Output<string | undefined>;
}

/**
 * The bootstrap program, run once per subscription by an administrator (see
 * docs/deploy-for-real.md). Exported as a function so the tests can run it under mocks.
 */
export function bootstrap(): BootstrapOutputs {
  // Validates everything before a single resource is registered.
  const config = readBootstrapConfig();

  // Pinned to the configured subscription and tenant, whatever `az account show` says.
  const azure = new AzureNativeProvider("azure-native", {
    subscriptionId: config.subscriptionId,
    tenantId: config.tenantId,
  });
  const providers: pulumi.ProviderResource[] = [azure];

  const group = new resources.ResourceGroup(
    "bootstrap-rg",
    { resourceGroupName: BOOTSTRAP_RESOURCE_GROUP, location: config.location, tags: config.tags },
    { provider: azure, protect: true },
  );

  const storageAccount = stateStorageAccountName(config.nameSuffix);
  const vaultName = stateKeyVaultName(config.nameSuffix);
  const backend = new StateBackend(
    "state",
    {
      resourceGroupName: group.name,
      location: config.location,
      tenantId: config.tenantId,
      storageAccountName: storageAccount,
      keyVaultName: vaultName,
      environments: ENVIRONMENTS,
      tags: config.tags,
    },
    { providers },
  );

  let graphServicePrincipalObjectId: pulumi.Output<string> | undefined;
  if (config.grantGraphPermissions) {
    const entra = new azuread.Provider("azuread", { tenantId: config.tenantId });
    providers.push(entra);
    graphServicePrincipalObjectId = azuread
      .getServicePrincipalOutput({ clientId: MICROSOFT_GRAPH_APP_ID }, { provider: entra })
      .apply((sp) => sp.objectId);
  }

  const variables: Record<string, pulumi.Output<GithubEnvironmentVariables>> = {};
  const accesses = {} as Record<Environment, EnvironmentAccess>;
  for (const env of ENVIRONMENTS) {
    const access = (accesses[env] = new EnvironmentAccess(
      env,
      {
        environment: env,
        subscriptionId: config.subscriptionId,
        location: config.location,
        identityResourceGroupName: group.name,
        environmentResourceGroupName: config.resourceGroups[env],
        nameSuffix: config.nameSuffix,
        githubOwner: config.githubOwner,
        githubRepo: config.githubRepo,
        stateContainerId: backend.containers[env].id,
        secretsKeyId: backend.keys[env].id,
        graphServicePrincipalObjectId,
        tags: config.tags,
      },
      { providers },
    ));
    const common = {
      AZURE_TENANT_ID: config.tenantId,
      AZURE_SUBSCRIPTION_ID: config.subscriptionId,
      PULUMI_BACKEND_URL: backend.backendUrls[env],
      PULUMI_SECRETS_PROVIDER: backend.secretsProviders[env],
    };
    variables[env] = access.apply.clientId.apply((id) => ({ AZURE_CLIENT_ID: id, ...common }));
    variables[previewEnvironmentName(env)] = access.plan.clientId.apply((id) => ({
      AZURE_CLIENT_ID: id,
      ...common,
    }));
  }

  if (config.manageGithub) {
    const specs: GithubEnvironmentSpec[] = ENVIRONMENTS.flatMap((env) => [
      {
        name: env,
        variables: variableInputs(variables[env]),
        reviewers: APPROVAL_ENVIRONMENTS.includes(env) ? config.githubReviewers : undefined,
        mainOnly: true,
      },
      // Previews run on pull-request branches, so no branch policy; the plan identity is read-only.
      {
        name: previewEnvironmentName(env),
        variables: variableInputs(variables[previewEnvironmentName(env)]),
      },
    ]);
    new GithubEnvironments("github", {
      owner: config.githubOwner,
      repository: config.githubRepo,
      environments: specs,
    });
  }

  const hubOutputs =
    config.cicdHub === undefined ? {} : buildCicdHub(config, config.cicdHub, accesses, providers);

  return {
    githubEnvironmentVariables: pulumi.all(variables),
    environmentResourceGroups: config.resourceGroups,
    stateStorageAccount: storageAccount,
    keyVault: vaultName,
    ...hubOutputs,
  };
}

function variableInputs(
  vars: pulumi.Output<GithubEnvironmentVariables>,
): Record<string, pulumi.Output<string>> {
  const names: (keyof GithubEnvironmentVariables)[] = [
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_SUBSCRIPTION_ID",
    "PULUMI_BACKEND_URL",
    "PULUMI_SECRETS_PROVIDER",
  ];
  return Object.fromEntries(names.map((n) => [n, vars.apply((v) => v[n])]));
}

/** The CI/CD hub and the outputs it hands on (to the main program's config and to GitHub). */
function buildCicdHub(
  config: BootstrapConfig,
  hub: CicdHubConfig,
  accesses: Record<Environment, EnvironmentAccess>,
  providers: pulumi.ProviderResource[],
): Partial<BootstrapOutputs> {
  const built = new CicdHub(
    "cicd",
    {
      subscriptionId: config.subscriptionId,
      location: config.location,
      nameSuffix: config.nameSuffix,
      addressSpace: hub.addressSpace,
      githubDatabaseId: hub.githubDatabaseId,
      peers: hub.peerEnvironments.map((env) => ({
        environment: env,
        applyPrincipalId: accesses[env].apply.principalId,
        planPrincipalId: accesses[env].plan.principalId,
      })),
      tags: config.tags,
    },
    { providers },
  );
  return {
    cicdHub: built.vnet.id.apply((vnetId) => ({ vnetId, addressSpace: hub.addressSpace })),
    cicdRunnerSubnetId: built.subnet.id,
    githubNetworkSettingsId: built.githubNetworkSettingsId,
  };
}
