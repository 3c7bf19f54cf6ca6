import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as azuread from "@pulumi/azuread";
import { BOOTSTRAP_ROLES } from "../../lib/roles";
import { DeployerIdentity } from "./deployerIdentity";
import { grant } from "../src/grant";
import { applyIdentityName, Environment, lockOperatorRoleGuid, planIdentityName } from "../src/names";
import { applySubjects, planSubjects } from "../src/oidc";
import { assignableRoleGuidsFor, rbacAdministratorCondition } from "../src/rbacCondition";

/** Microsoft Graph app roles granted to the deployer identities (Microsoft Graph permissions reference). */
export const GRAPH_APP_ROLES = {
  /** Create apps and manage the apps it owns: the program's Entra app registrations. */
  "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
  /** Read app registrations: lets previews and drift checks refresh the Entra objects. */
  "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
} as const;

/** Resource-lock permissions, the one thing Contributor lacks for `protect` + CanNotDelete locks. */
export const LOCK_OPERATOR_ACTIONS = [
  "Microsoft.Authorization/locks/read",
  "Microsoft.Authorization/locks/write",
  "Microsoft.Authorization/locks/delete",
] as const;

export interface EnvironmentAccessArgs {
  environment: Environment;
  subscriptionId: string;
  location: string;
  /** Where the identities live: the bootstrap group, not the environment's. */
  identityResourceGroupName: pulumi.Input<string>;
  /** The environment's resource group, created here; the apply identity's whole world. */
  environmentResourceGroupName: string;
  nameSuffix: string;
  githubOwner: string;
  githubRepo: string;
  /** ARM id of the environment's state container. */
  stateContainerId: pulumi.Input<string>;
  /** ARM id of the environment's secrets-provider key. */
  secretsKeyId: pulumi.Input<string>;
  /**
   * Object id of the Microsoft Graph service principal in the tenant; when set, the identities get
   * their Graph app roles (needs an admin allowed to grant app roles, e.g. Privileged Role Administrator).
   * @default undefined (no Graph permissions)
   */
  graphServicePrincipalObjectId?: pulumi.Input<string>;
  tags: Readonly<Record<string, string>>;
}

/** One grant of a deployer identity: name suffix, identity, scope, role GUID, what it is for (after "engram <env> "). */
type DeployerGrant = [
  suffix: string,
  who: DeployerIdentity,
  scope: pulumi.Input<string>,
  role: string,
  what: string,
  extra?: { condition?: string; after?: pulumi.Resource },
];

/**
 * One environment's deployment access: its resource group and two identities bound to GitHub.
 *
 * - plan (PR previews, drift): Reader on the group, its state container, its secrets key.
 * - apply (`pulumi up`, only from the GitHub environment of the same name): Contributor on the
 *   group, Role Based Access Control Administrator there under an ABAC condition that allows exactly
 *   the program's roles to service principals and groups, resource-lock management, its state
 *   container and its secrets key.
 *
 * Nothing is granted at subscription scope, and neither Owner nor User Access Administrator is used.
 */
export class EnvironmentAccess extends pulumi.ComponentResource {
  public readonly resourceGroup: resources.ResourceGroup;
  public readonly plan: DeployerIdentity;
  public readonly apply: DeployerIdentity;
  public readonly lockOperatorRole: authorization.RoleDefinition;

  constructor(name: string, args: EnvironmentAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:bootstrap:EnvironmentAccess", name, {}, opts);
    const env = args.environment;
    const sub = args.subscriptionId;

    // Protected: the main program's resources live here, and deleting the bootstrap stack must never
    // take an environment with it.
    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: args.environmentResourceGroupName, location: args.location, tags: args.tags },
      { parent: this, protect: true },
    );

    this.plan = new DeployerIdentity(
      `${name}-plan`,
      {
        resourceGroupName: args.identityResourceGroupName,
        location: args.location,
        identityName: planIdentityName(env),
        subjects: planSubjects(args.githubOwner, args.githubRepo, env),
        tags: args.tags,
      },
      { parent: this },
    );
    this.apply = new DeployerIdentity(
      `${name}-apply`,
      {
        resourceGroupName: args.identityResourceGroupName,
        location: args.location,
        identityName: applyIdentityName(env),
        subjects: applySubjects(args.githubOwner, args.githubRepo, env),
        tags: args.tags,
      },
      { parent: this },
    );

    const lockRoleGuid = lockOperatorRoleGuid(sub, env);
    this.lockOperatorRole = new authorization.RoleDefinition(
      `${name}-lock-operator`,
      {
        roleDefinitionId: lockRoleGuid,
        scope: `/subscriptions/${sub}`,
        roleName: `Engram lock operator (${args.nameSuffix}-${env})`,
        description: `Create and remove management locks in ${args.environmentResourceGroupName} (engram ${env} apply identity).`,
        roleType: "CustomRole",
        permissions: [
          { actions: [...LOCK_OPERATOR_ACTIONS], notActions: [], dataActions: [], notDataActions: [] },
        ],
        assignableScopes: [this.resourceGroup.id],
      },
      { parent: this },
    );

    grantDeployers(this, name, args, lockRoleGuid);

    const opts_ = { parent: this };
    if (args.graphServicePrincipalObjectId !== undefined) {
      new azuread.AppRoleAssignment(
        `${name}-apply-graph`,
        {
          appRoleId: GRAPH_APP_ROLES["Application.ReadWrite.OwnedBy"],
          principalObjectId: this.apply.principalId,
          resourceObjectId: args.graphServicePrincipalObjectId,
        },
        opts_,
      );
      new azuread.AppRoleAssignment(
        `${name}-plan-graph`,
        {
          appRoleId: GRAPH_APP_ROLES["Application.Read.All"],
          principalObjectId: this.plan.principalId,
          resourceObjectId: args.graphServicePrincipalObjectId,
        },
        opts_,
      );
    }

    this.registerOutputs({
      resourceGroupId: this.resourceGroup.id,
      planClientId: this.plan.clientId,
      applyClientId: this.apply.clientId,
    });
  }
}

/** The deployer identities' role grants (the plan identity reads, the apply identity manages), parented by the component. */
function grantDeployers(
  self: EnvironmentAccess,
  name: string,
  args: EnvironmentAccessArgs,
  lockRoleGuid: string,
): void {
  const env = args.environment;
  const sub = args.subscriptionId;
  const rg = self.resourceGroup.id;
  const opts_ = { parent: self };
  const r = BOOTSTRAP_ROLES;
  // Each deployer's grants, in the order they are made: the plan identity reads, the apply identity
  // manages; both reach the stack's own state container and secrets key.
  const grants: DeployerGrant[] = [
    ["plan-reader", self.plan, rg, r.Reader, "plan: read the resource group for previews and drift checks"],
    [
      "plan-state",
      self.plan,
      args.stateContainerId,
      r["Storage Blob Data Contributor"],
      "plan: stack state and locks in its own container",
    ],
    [
      "plan-key",
      self.plan,
      args.secretsKeyId,
      r["Key Vault Crypto User"],
      "plan: decrypt the stack's secrets with its own key",
    ],
    ["apply-contributor", self.apply, rg, r.Contributor, "apply: manage the environment's resources"],
    [
      "apply-rbac-admin",
      self.apply,
      rg,
      r["Role Based Access Control Administrator"],
      "apply: assign only the program's roles, only to service principals and groups",
      { condition: rbacAdministratorCondition(assignableRoleGuidsFor(env)) },
    ],
    [
      "apply-locks",
      self.apply,
      rg,
      lockRoleGuid,
      "apply: CanNotDelete locks on stateful resources",
      { after: self.lockOperatorRole },
    ],
    [
      "apply-state",
      self.apply,
      args.stateContainerId,
      r["Storage Blob Data Contributor"],
      "apply: stack state and locks in its own container",
    ],
    [
      "apply-key",
      self.apply,
      args.secretsKeyId,
      r["Key Vault Crypto User"],
      "apply: encrypt and decrypt the stack's secrets with its own key",
    ],
  ];
  for (const [suffix, who, scope, role, what, extra] of grants) {
    grant(
      `${name}-${suffix}`,
      {
        subscriptionId: sub,
        scope,
        principalId: who.principalId,
        roleDefinitionGuid: role,
        description: `engram ${env} ${what}`,
        ...(extra?.condition === undefined ? {} : { condition: extra.condition }),
      },
      extra?.after === undefined ? opts_ : { parent: self, dependsOn: [extra.after] },
    );
  }
}
