import { placeholderIdOf, placeholderUuid } from "../../scripts/offline/placeholders";
import type { PlanStep } from "../../scripts/offline/plan";
import { PlanIndex } from "../../scripts/offline/plan-index";
import { ConfigChange, programRun, programRunInProcess, ProgramRunSummary } from "./plan";

/** Shared reading helpers for the data and network tests (Key Vault, secrets, Storage, Postgres, VNet). */

export const T = {
  vault: "azure-native:keyvault:Vault",
  secret: "azure-native:keyvault:Secret",
  role: "azure-native:authorization:RoleAssignment",
  lock: "azure-native:authorization:ManagementLockByScope",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  rotating: "time:index/rotating:Rotating",
  offset: "time:index/offset:Offset",
  password: "random:index/randomPassword:RandomPassword",
  account: "azure-native:storage:StorageAccount",
  blobService: "azure-native:storage:BlobServiceProperties",
  container: "azure-native:storage:BlobContainer",
  server: "azure-native:dbforpostgresql:Server",
  admin: "azure-native:dbforpostgresql:Administrator",
  configuration: "azure-native:dbforpostgresql:Configuration",
  firewall: "azure-native:dbforpostgresql:FirewallRule",
  database: "azure-native:dbforpostgresql:Database",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  endpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  zone: "azure-native:privatedns:PrivateZone",
  link: "azure-native:privatedns:VirtualNetworkLink",
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const inputs = (s: PlanStep): Json => s.newState.inputs;

/** The placeholder id the offline engine gives a step (what other resources see as its `id`). */
export const idOf = (s: PlanStep): string => placeholderIdOf(s);

/** The placeholder principal id of a service's managed identity. */
export function principalIdOf(index: PlanIndex, service: string): string {
  return placeholderUuid(index.one(T.identity, `id-${service}-mi`).urn, "principalId");
}

export const ROLE_IDS = {
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
} as const;

export interface Assignment {
  principalId: string;
  principalType: string;
  role: string;
  scope: string;
}

export function assignments(index: PlanIndex): Assignment[] {
  return index.ofType(T.role).map((s) => {
    const i = inputs(s);
    return {
      principalId: i.principalId,
      principalType: i.principalType,
      role: String(i.roleDefinitionId).split("/").pop() as string,
      scope: i.scope,
    };
  });
}

/**
 * Runs the program with a config and returns everything it registered, to prove a refused config
 * registers nothing (the Stack only). On a plan server (tests/helpers/plan.ts programRun): the test
 * file loads neither the SDK nor the program.
 */
export async function registrations(
  stack: string,
  change: ConfigChange,
): Promise<{ types: string[]; error: unknown }> {
  return typesOf(await programRun(stack, change));
}

/**
 * The same, with the program run in this test file: for a test that spies on or mocks a module of
 * the program (jest.spyOn replaces it in this file's module registry only, never on a plan server).
 */
export async function registrationsInProcess(
  stack: string,
  change: ConfigChange,
): Promise<{ types: string[]; error: unknown }> {
  return typesOf(await programRunInProcess(stack, change));
}

function typesOf(run: ProgramRunSummary): { types: string[]; error: unknown } {
  return { types: run.resources.map((r) => r.type), error: run.error };
}

/** 2026-01-01T00:00:00Z, the fixed base instant of the time placeholders, in Unix seconds. */
export const PLACEHOLDER_NOW = Date.UTC(2026, 0, 1) / 1000;
export const days = (n: number) => PLACEHOLDER_NOW + n * 86_400;
