import { parse, stringify } from "yaml";

/**
 * The kubeconfig the Kubernetes provider uses on AKS (DESIGN.md §11): the cluster's server and CA
 * from its user credentials, and a user that is an exec credential of kubelogin in `azurecli`
 * mode. The token is the deploying identity's Entra token for the AKS server application, checked
 * by Azure RBAC for Kubernetes: never an admin certificate or a local account (those are disabled).
 * The CI job signs in with azure/login (OIDC), so `azurecli` mode finds its session.
 */

/** The AKS Entra server application, the audience of every AKS Entra token (the same in every tenant). */
export const AKS_ENTRA_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

export interface ClusterEndpoint {
  server: string;
  /** Base64 PEM of the cluster CA, as kubeconfigs carry it. */
  certificateAuthorityData: string;
}

interface KubeconfigDoc {
  clusters?: { name?: string; cluster?: { server?: string; "certificate-authority-data"?: string } }[];
}

/** The server and CA of the first cluster in a kubeconfig Azure returns (base64 of YAML). */
export function endpointOf(kubeconfigBase64: string): ClusterEndpoint {
  const doc = parse(Buffer.from(kubeconfigBase64, "base64").toString("utf8")) as KubeconfigDoc | null;
  const cluster = doc?.clusters?.[0]?.cluster;
  const server = cluster?.server;
  const ca = cluster?.["certificate-authority-data"];
  if (!server || !ca)
    throw new Error("the cluster's user credentials hold no server or certificate authority");
  return { server, certificateAuthorityData: ca };
}

/** A kubeconfig for `name` whose only user is kubelogin (azurecli) for the AKS server application. */
export function entraKubeconfig(name: string, endpoint: ClusterEndpoint): string {
  const user = `${name}-entra`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: { server: endpoint.server, "certificate-authority-data": endpoint.certificateAuthorityData },
      },
    ],
    contexts: [{ name, context: { cluster: name, user } }],
    "current-context": name,
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--login", "azurecli", "--server-id", AKS_ENTRA_SERVER_APP_ID],
            env: null,
            interactiveMode: "Never",
            provideClusterInfo: false,
          },
        },
      },
    ],
  });
}
