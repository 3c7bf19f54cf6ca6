import { userCredentialsPlaceholder } from "./placeholder-aks";
import { azurePlaceholder } from "./placeholder-azure";
import {
  Inputs,
  Outputs,
  PLACEHOLDER_DEPLOYER_CLIENT_ID,
  PLACEHOLDER_DEPLOYER_OBJECT_ID,
  PLACEHOLDER_SUBSCRIPTION,
  PLACEHOLDER_TENANT,
  placeholderUuid,
  token,
} from "./placeholder-ids";

/**
 * Deterministic, realistic stand-ins for the values Azure and Entra assign at deployment time
 * (resource ids, principal and client ids, hostnames). They let the offline plan follow references
 * between resources (a role assignment's scope, an app's AZURE_CLIENT_ID) and are the same on
 * every run and machine. None of them is real; the plan report says so.
 */

export {
  PLACEHOLDER_DEPLOYER_CLIENT_ID,
  PLACEHOLDER_DEPLOYER_OBJECT_ID,
  PLACEHOLDER_SUBSCRIPTION,
  PLACEHOLDER_TENANT,
  placeholderUuid,
} from "./placeholder-ids";

export function placeholderIdOf(step: { urn: string; newState: { type: string; inputs: Inputs } }): string {
  const name = step.urn.split("::").pop() as string;
  return placeholderResource(step.newState.type, name, step.urn, step.newState.inputs).id;
}

/** Placeholder id and state (inputs merged with computed outputs) of one registered resource. */
export function placeholderResource(
  type: string,
  name: string,
  urn: string,
  inputs: Inputs,
): { id: string; state: Outputs } {
  if (type.startsWith("azure-native:")) return azurePlaceholder(type, name, urn, inputs);
  const entra = entraPlaceholder(type, urn, inputs);
  if (entra) return entra;
  const other = otherPlaceholder(type, urn, inputs);
  if (other) return other;
  return { id: placeholderUuid(urn, "id"), state: { ...inputs } };
}

function entraPlaceholder(
  type: string,
  urn: string,
  inputs: Inputs,
): { id: string; state: Outputs } | undefined {
  if (!type.startsWith("azuread:")) return undefined;
  const objectId = placeholderUuid(urn, "objectId");
  switch (type) {
    case "azuread:index/application:Application": {
      const clientId = placeholderUuid(urn, "clientId");
      return { id: `/applications/${objectId}`, state: { ...inputs, clientId, objectId } };
    }
    case "azuread:index/servicePrincipal:ServicePrincipal":
      return { id: objectId, state: { ...inputs, objectId, applicationTenantId: PLACEHOLDER_TENANT } };
    default:
      return { id: placeholderUuid(urn, "id"), state: { ...inputs, objectId } };
  }
}

function otherPlaceholder(
  type: string,
  urn: string,
  inputs: Inputs,
): { id: string; state: Outputs } | undefined {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      const length = typeof inputs.length === "number" ? inputs.length : 32;
      let result = "";
      for (let n = 0; result.length < length; n++) result += token(urn, `result${n}`, 64);
      return { id: "none", state: { ...inputs, result: `Pl${result.slice(0, Math.max(0, length - 2))}` } };
    }
    case "random:index/randomUuid:RandomUuid":
      return { id: placeholderUuid(urn, "id"), state: { ...inputs, result: placeholderUuid(urn, "result") } };
    case "time:index/rotating:Rotating": {
      // A fixed instant keeps the plan byte-identical between runs.
      const base = Date.UTC(2026, 0, 1);
      const days = typeof inputs.rotationDays === "number" ? inputs.rotationDays : 0;
      const rotation = new Date(base + days * 86_400_000).toISOString().replace(".000Z", "Z");
      return {
        id: "2026-01-01T00:00:00Z",
        state: { ...inputs, rfc3339: "2026-01-01T00:00:00Z", rotationRfc3339: rotation, unix: base / 1000 },
      };
    }
    case "time:index/offset:Offset": {
      // The same fixed base instant as Rotating; `rfc3339`/`unix` are the offset time.
      const base = Date.UTC(2026, 0, 1);
      const days = typeof inputs.offsetDays === "number" ? inputs.offsetDays : 0;
      const at = base + days * 86_400_000;
      return {
        id: "2026-01-01T00:00:00Z",
        state: {
          ...inputs,
          baseRfc3339: "2026-01-01T00:00:00Z",
          rfc3339: new Date(at).toISOString().replace(".000Z", "Z"),
          unix: at / 1000,
        },
      };
    }
    case "tls:index/privateKey:PrivateKey":
      return {
        id: placeholderUuid(urn, "id"),
        state: {
          ...inputs,
          privateKeyPem: `-----BEGIN PRIVATE KEY-----\nPLACEHOLDER${token(urn, "key", 32)}\n-----END PRIVATE KEY-----\n`,
          publicKeyPem: `-----BEGIN PUBLIC KEY-----\nPLACEHOLDER${token(urn, "pub", 32)}\n-----END PUBLIC KEY-----\n`,
        },
      };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert": {
      // Issued at the same fixed instant as time.Rotating, valid for validityPeriodHours.
      const start = Date.UTC(2026, 0, 1);
      const hours = typeof inputs.validityPeriodHours === "number" ? inputs.validityPeriodHours : 0;
      return {
        id: placeholderUuid(urn, "id"),
        state: {
          ...inputs,
          certPem: `-----BEGIN CERTIFICATE-----\nPLACEHOLDER${token(urn, "cert", 32)}\n-----END CERTIFICATE-----\n`,
          validityStartTime: new Date(start).toISOString().replace(".000Z", "Z"),
          validityEndTime: new Date(start + hours * 3_600_000).toISOString().replace(".000Z", "Z"),
          readyForRenewal: false,
        },
      };
    }
    case "tls:index/certRequest:CertRequest":
      return {
        id: placeholderUuid(urn, "id"),
        state: {
          ...inputs,
          certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nPLACEHOLDER${token(urn, "csr", 32)}\n-----END CERTIFICATE REQUEST-----\n`,
        },
      };
    default:
      return undefined;
  }
}

/** Results of provider functions (invokes) the program calls. */
export function placeholderCall(token: string, inputs: Inputs): Record<string, unknown> {
  switch (token) {
    case "azure-native:authorization:getClientConfig":
      return {
        clientId: PLACEHOLDER_DEPLOYER_CLIENT_ID,
        objectId: PLACEHOLDER_DEPLOYER_OBJECT_ID,
        subscriptionId: PLACEHOLDER_SUBSCRIPTION,
        tenantId: PLACEHOLDER_TENANT,
      };
    case "azuread:index/getClientConfig:getClientConfig":
      return {
        clientId: PLACEHOLDER_DEPLOYER_CLIENT_ID,
        objectId: PLACEHOLDER_DEPLOYER_OBJECT_ID,
        tenantId: PLACEHOLDER_TENANT,
      };
    // The user credentials only: an admin-credentials call has no placeholder, so it fails the plan.
    case "azure-native:containerservice:listManagedClusterUserCredentials":
      return userCredentialsPlaceholder(inputs);
    case "azuread:index/getApplicationPublishedAppIds:getApplicationPublishedAppIds":
      return {
        result: {
          MicrosoftGraph: "00000003-0000-0000-c000-000000000000",
          AzureCli: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        },
      };
    default:
      throw new Error(
        `the offline plan has no placeholder for the function ${token} (inputs: ${Object.keys(inputs).join(", ")}); add one in scripts/offline/placeholders.ts`,
      );
  }
}
