import { createHash } from "crypto";
import { Inputs, Outputs, PLACEHOLDER_TENANT, placeholderUuid, rgId, str, token } from "./placeholder-ids";

/**
 * The AKS cluster's computed outputs and its user credentials (placeholders.ts says what
 * placeholders are for). Deterministic: derived from the URN or the cluster's name.
 */

/** The last segment of an ARM id (a private DNS zone's name). */
const lastSegment = (id: unknown, fallback: string) => str(id, fallback).split("/").pop() ?? fallback;

/** The ManagedCluster's id and outputs: private FQDN in its zone, OIDC issuer, kubelet identity. */
export const MANAGED_CLUSTER_RULE = {
  id: (i: Inputs) =>
    `${rgId(i)}/providers/Microsoft.ContainerService/managedClusters/${str(i.resourceName, "aks")}`,
  name: (i: Inputs, n: string) => str(i.resourceName, n),
  outputs: (i: Inputs, urn: string): Outputs => {
    const access = (i.apiServerAccessProfile ?? {}) as Inputs;
    const zone = lastSegment(access.privateDNSZone, `privatelink.${str(i.location, "westeurope")}.azmk8s.io`);
    const sub = str(i.fqdnSubdomain ?? i.dnsPrefix, "aks");
    const location = str(i.location, "westeurope");
    return {
      privateFQDN: `${sub}-${token(urn, "fqdn", 8)}.${zone}`,
      // A private cluster without public FQDN has no public name.
      fqdn: "",
      azurePortalFQDN: `${sub}-${token(urn, "portal", 8)}.portal.hcp.${location}.azmk8s.io`,
      oidcIssuerProfile: {
        ...((i.oidcIssuerProfile ?? {}) as Inputs),
        issuerURL: `https://${location}.oic.prod-aks.azure.com/${PLACEHOLDER_TENANT}/${placeholderUuid(urn, "issuer")}/`,
      },
      currentKubernetesVersion: "1.33.5",
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      resourceUID: token(urn, "uid", 24),
      maxAgentPools: 100,
    };
  },
};

/** The server of a cluster's kubeconfig, from its name (the invoke knows nothing else). */
function serverOf(resourceName: string): string {
  const h = createHash("sha256").update(`aks:${resourceName}`).digest("hex");
  return `https://${resourceName}-${h.slice(0, 8)}.${h.slice(8, 16)}.privatelink.westeurope.azmk8s.io:443`;
}

/**
 * `listManagedClusterUserCredentials`: one kubeconfig, base64 of YAML as Azure returns it, with
 * the cluster's server and a placeholder CA and, in `exec` format, a kubelogin user.
 */
export function userCredentialsPlaceholder(inputs: Inputs): Record<string, unknown> {
  const name = str(inputs.resourceName, "aks");
  const ca = Buffer.from(
    `-----BEGIN CERTIFICATE-----\nPLACEHOLDER${createHash("sha256").update(`ca:${name}`).digest("hex").slice(0, 32)}\n-----END CERTIFICATE-----\n`,
  ).toString("base64");
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${ca}`,
    `    server: ${serverOf(name)}`,
    `  name: ${name}`,
    "contexts:",
    "- context:",
    `    cluster: ${name}`,
    `    user: clusterUser_${str(inputs.resourceGroupName, "rg")}_${name}`,
    `  name: ${name}`,
    `current-context: ${name}`,
    "users:",
    `- name: clusterUser_${str(inputs.resourceGroupName, "rg")}_${name}`,
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      command: kubelogin",
    "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
    "",
  ].join("\n");
  return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfig).toString("base64") }] };
}
