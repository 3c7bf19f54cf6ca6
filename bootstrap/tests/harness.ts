/**
 * Runs the bootstrap program through the offline engine the main program's plan uses
 * (scripts/offline/engine.ts), as an update as `pulumi up` runs it (not a preview: an output the
 * mocks do not give is undefined, not unknown, as with the SDK's own mocks), and gives each
 * registration its parent, explicit dependencies, `protect`, inputs (as the engine records them)
 * and the outputs the mocks below gave it.
 */
import { v5 as uuidv5 } from "uuid";
import { RecordedResource, runProgram } from "../../scripts/offline/engine";
import { bootstrap } from "../src/program";

export const SUB = "11111111-2222-3333-4444-555555555555";
export const TENANT = "66666666-7777-8888-9999-000000000000";
export const GRAPH_SP_OBJECT_ID = "99999999-8888-7777-6666-555555555555";
const MOCK_NS = "0c7d3d4e-1f52-4b43-9a57-3a0d7b1e2f60";
/** The GitHubId tag GitHub puts on a network settings resource (an opaque hash in real life). */
export const MOCK_GITHUB_ID = "6C3F2A9B1D4E5F60718293A4B5C6D7E8F9A0B1C2D3E4F5061728394A5B6C7D8E";

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
    case "azure-native:network:VirtualNetwork":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.Network/virtualNetworks/${String(inputs.virtualNetworkName)}`,
        state: { ...inputs, name: inputs.virtualNetworkName },
      };
    case "azure-native:network:Subnet":
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.Network/virtualNetworks/${String(inputs.virtualNetworkName)}/subnets/${String(inputs.subnetName)}`,
        state: { ...inputs, name: inputs.subnetName },
      };
    case "azure-native:network:NetworkSecurityGroup":
    case "azure-native:network:NatGateway":
    case "azure-native:network:PublicIPAddress": {
      const [kind, key] = {
        "azure-native:network:NetworkSecurityGroup": ["networkSecurityGroups", "networkSecurityGroupName"],
        "azure-native:network:NatGateway": ["natGateways", "natGatewayName"],
        "azure-native:network:PublicIPAddress": ["publicIPAddresses", "publicIpAddressName"],
      }[type] as [string, string];
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/Microsoft.Network/${kind}/${String(inputs[key])}`,
        state: { ...inputs, name: inputs[key] },
      };
    }
    case "azure-native:resources:Resource":
      // GitHub.Network/networkSettings: the service tags the resource with its GitHubId.
      return {
        id: `${rgId(inputs.resourceGroupName)}/providers/${String(inputs.resourceProviderNamespace)}/${String(inputs.resourceType)}/${String(inputs.resourceName)}`,
        state: {
          ...inputs,
          name: inputs.resourceName,
          tags: { ...(inputs.tags as Record<string, string>), GitHubId: MOCK_GITHUB_ID },
        },
      };
    default:
      return { id: `${name}-id`, state: inputs };
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

const PROJECT = "engram-bootstrap";
const STACK = "admin";

function callMock(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (token === "azuread:index/getServicePrincipal:getServicePrincipal") {
    return { objectId: GRAPH_SP_OBJECT_ID, id: GRAPH_SP_OBJECT_ID, clientId: inputs.clientId };
  }
  throw new Error(`unexpected invoke ${token}`);
}

/** Runs the bootstrap program with the given config (keys without the namespace); `error` is what it threw. */
export async function bootstrapRun(config: Record<string, string>): Promise<Run & { error?: unknown }> {
  const outputsByUrn = new Map<string, Record<string, unknown>>();
  const run = await runProgram({
    project: PROJECT,
    stack: STACK,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    secretKeys: [],
    program: async () => bootstrap() as unknown as Record<string, unknown>,
    preview: false,
    resources: (type, name, urn, inputs) => {
      const result = mockState(type, name, inputs);
      outputsByUrn.set(urn, result.state);
      return result;
    },
    calls: callMock,
  });
  const registrations = run.resources.map((r: RecordedResource): Registration => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    parent: r.parent,
    dependencies: r.dependencies,
    protect: r.protect,
    inputs: r.inputs,
    outputs: outputsByUrn.get(r.urn) ?? {},
  }));
  const stack = run.resources.find((r) => r.type === "pulumi:pulumi:Stack");
  return {
    error: run.error,
    registrations,
    outputs: stack?.outputs ?? {},
    of: (type) => registrations.filter((r) => r.type === type),
    byUrn: (urn) => {
      const found = registrations.find((r) => r.urn === urn);
      if (!found) throw new Error(`no resource ${urn}`);
      return found;
    },
  };
}

/** As bootstrapRun, for a config the program accepts: throws what the program threw. */
export async function runBootstrap(config: Record<string, string>): Promise<Run> {
  const { error, ...run } = await bootstrapRun(config);
  if (error !== undefined) throw error;
  return run;
}
