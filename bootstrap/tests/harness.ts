/**
 * Runs the bootstrap program under Pulumi's mock runtime and records every resource registration,
 * including what `setMocks` alone does not expose: parent, explicit dependencies and `protect`.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { v5 as uuidv5 } from "uuid";
import { bootstrap, BootstrapOutputs } from "../src/program";

export const SUB = "11111111-2222-3333-4444-555555555555";
export const TENANT = "66666666-7777-8888-9999-000000000000";
export const GRAPH_SP_OBJECT_ID = "99999999-8888-7777-6666-555555555555";
const MOCK_NS = "0c7d3d4e-1f52-4b43-9a57-3a0d7b1e2f60";

export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  dependencies: string[];
  protect: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** Fake but realistic ARM ids, so scope assertions test real shapes. */
function mockState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const rgId = (rg: unknown) => `/subscriptions/${SUB}/resourceGroups/${String(rg)}`;
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      return { id: rgId(inputs.resourceGroupName), state: { ...inputs, name: inputs.resourceGroupName } };
    case "azure-native:storage:StorageAccount":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}`,
        state: { ...inputs, name: inputs.accountName },
      };
    case "azure-native:storage:BlobContainer":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/blobServices/default/containers/${String(inputs.containerName)}`,
        state: { ...inputs, name: inputs.containerName },
      };
    case "azure-native:keyvault:Vault":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${String(inputs.vaultName)}`,
        state: { ...inputs, name: inputs.vaultName },
      };
    case "azure-native:keyvault:Key":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${String(inputs.vaultName)}/keys/${String(inputs.keyName)}`,
        state: { ...inputs, name: inputs.keyName },
      };
    case "azure-native:managedidentity:UserAssignedIdentity":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${String(inputs.resourceName)}`,
        state: {
          ...inputs,
          name: inputs.resourceName,
          clientId: uuidv5(`client|${String(inputs.resourceName)}`, MOCK_NS),
          principalId: uuidv5(`principal|${String(inputs.resourceName)}`, MOCK_NS),
        },
      };
    case "azure-native:authorization:RoleAssignment":
      return {
        id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${String(inputs.roleAssignmentName)}`,
        state: inputs,
      };
    case "azure-native:authorization:RoleDefinition":
      return {
        id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${String(inputs.roleDefinitionId)}`,
        state: { ...inputs, name: inputs.roleDefinitionId },
      };
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

export class RecordingMonitor extends MockMonitor {
  readonly registrations: Registration[] = [];
  private readonly captured = new Map<
    string,
    { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
  >();

  constructor() {
    super({
      newResource: (args) => {
        const { id, state } = mockState(args.type, args.name, args.inputs);
        this.captured.set(`${args.type}::${args.name}`, { inputs: args.inputs, outputs: state });
        return { id, state };
      },
      call: (args) => {
        if (args.token === "azuread:index/getServicePrincipal:getServicePrincipal") {
          return { objectId: GRAPH_SP_OBJECT_ID, id: GRAPH_SP_OBJECT_ID, clientId: args.inputs.clientId };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async registerResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await super.registerResource(req, (err: any, res: any) => {
      if (!err) {
        const captured = this.captured.get(`${req.getType()}::${req.getName()}`);
        this.registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: res.getUrn(),
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          protect: req.getProtect() === true,
          inputs: captured?.inputs ?? {},
          outputs: captured?.outputs ?? {},
        });
      }
      callback(err, res);
    });
  }
}

export interface Run {
  registrations: Registration[];
  outputs: Record<string, unknown>;
  of(type: string): Registration[];
  byUrn(urn: string): Registration;
}

/** Base config that passes validation; tests override keys. */
export const BASE_CONFIG: Record<string, string> = {
  subscriptionId: SUB,
  tenantId: TENANT,
  location: "westeurope",
  githubOwner: "contoso",
  githubRepo: "engram-infra",
  tags: JSON.stringify({ owner: "platform", costCenter: "cc-1" }),
};

/** Installs a fresh recording monitor and the given config (keys without the namespace). */
export async function prepareMocks(config: Record<string, string>): Promise<RecordingMonitor> {
  const monitor = new RecordingMonitor();
  // setMocks turns on the features (secrets, resource references) the real engine supports.
  await pulumi.runtime.setMocks(monitor.mocks, "engram-bootstrap", "admin", false);
  pulumi.runtime.setMockOptions(monitor, "engram-bootstrap", "admin", false);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`engram-bootstrap:${k}`, v])),
    [],
  );
  return monitor;
}

export async function runBootstrap(config: Record<string, string>): Promise<Run> {
  const monitor = await prepareMocks(config);
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => bootstrap() as BootstrapOutputs & object)) ?? {};
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const registrations = monitor.registrations;
  return {
    registrations,
    outputs: outputs as Record<string, unknown>,
    of: (type) => registrations.filter((r) => r.type === type),
    byUrn: (urn) => {
      const found = registrations.find((r) => r.urn === urn);
      if (!found) throw new Error(`no resource ${urn}`);
      return found;
    },
  };
}
