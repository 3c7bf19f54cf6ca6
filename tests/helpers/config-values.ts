import type { Environment } from "../../src/matrix";

const DIGEST = "@sha256:" + "ab".repeat(32);

/** The Entra object id of the DBA group in baseValues (tests quote it as any valid GUID). */
export const DBA_GROUP = "71b3b4ba-ae8b-47f1-88d5-4b09aaba04ae";

/**
 * A complete, valid config for an environment, as Pulumi hands it over (raw strings, JSON for
 * structures): what the pure config tests start from before changing one key.
 */
export function baseValues(env: Environment): Record<string, string> {
  const higher = !["dev", "test"].includes(env);
  const image = (repo: string) => `crengramshared.azurecr.io/${repo}:1.0.0${higher ? DIGEST : ""}`;
  return {
    environment: env,
    location: "westeurope",
    network: JSON.stringify({ addressSpace: "10.20.0.0/16" }),
    tags: JSON.stringify({ owner: "platform-team@engram.example", costCenter: "CC-1042" }),
    frontendOrigins: JSON.stringify([`https://${env}.engram.example`]),
    images: JSON.stringify({
      backend: image("engram/backend"),
      worker: image("engram/worker"),
      zep: image("mirror/getzep/zep"),
      temporal: image("mirror/temporalio/server"),
      temporalUi: image("mirror/temporalio/ui"),
    }),
    ai: JSON.stringify({
      accountId:
        "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ais-engram",
      endpoint: "https://ais-engram.openai.azure.com/",
    }),
    alertEmails: JSON.stringify(["platform-oncall@engram.example"]),
    // The Entra administrator of Entra-only Postgres servers (required in uat/staging/prod, and
    // wherever postgresPasswordAuth is false).
    groups: JSON.stringify({ dba: DBA_GROUP }),
    azureAiKey: "sk-offline-test-key",
    // Prod runs on AKS, whose private API server is reached from the CI/CD hub (required there).
    ...(env === "prod"
      ? {
          cicdHub: JSON.stringify({
            vnetId:
              "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-cicd/providers/Microsoft.Network/virtualNetworks/vnet-engram-cicd",
            addressSpace: "10.255.0.0/24",
          }),
        }
      : {}),
  };
}
