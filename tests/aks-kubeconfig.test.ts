import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { endpointOf, entraKubeconfig } from "../lib/kubeconfig";
import { placeholderCall } from "../scripts/offline/placeholders";
import { projectFiles } from "./helpers/source-files";

/**
 * The Kubernetes provider's kubeconfig on AKS (DESIGN.md §11): the server and CA of the cluster's
 * *user* credentials, and a user that is kubelogin in azurecli mode for the AKS Entra server
 * application. Never an admin credential, a client certificate or a static token.
 */

const ROOT = path.resolve(__dirname, "..");
const USER_CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials";

/** What Azure returns for the user credentials (here the offline engine's stand-in: base64 YAML). */
const returned = placeholderCall(USER_CREDENTIALS, {
  resourceGroupName: "rg-engram-prod",
  resourceName: "aks-engram-prod",
  format: "exec",
}) as { kubeconfigs: { name: string; value: string }[] };

describe("the Entra kubeconfig", () => {
  const endpoint = endpointOf(returned.kubeconfigs[0].value);
  const doc = parse(entraKubeconfig("aks-engram-prod", endpoint));

  it("keeps the cluster's private server and CA from the user credentials", () => {
    expect(endpoint.server).toMatch(
      /^https:\/\/aks-engram-prod-[0-9a-f]{8}\.[0-9a-f]{8}\.privatelink\.westeurope\.azmk8s\.io:443$/,
    );
    expect(Buffer.from(endpoint.certificateAuthorityData, "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
    expect(doc.clusters).toEqual([
      {
        name: "aks-engram-prod",
        cluster: { server: endpoint.server, "certificate-authority-data": endpoint.certificateAuthorityData },
      },
    ]);
    expect(doc["current-context"]).toBe("aks-engram-prod");
  });

  it("has one user: kubelogin get-token in azurecli mode for the AKS Entra server app, no secret of its own", () => {
    expect(doc.users).toEqual([
      {
        name: "aks-engram-prod-entra",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
            env: null,
            interactiveMode: "Never",
            provideClusterInfo: false,
          },
        },
      },
    ]);
  });

  it("refuses credentials without a server or CA", () => {
    const empty = Buffer.from("apiVersion: v1\nclusters: []\n").toString("base64");
    expect(() => endpointOf(empty)).toThrow(
      "the cluster's user credentials hold no server or certificate authority",
    );
  });
});

describe("no admin or local-account credentials anywhere", () => {
  it("the program never asks for the cluster's admin (or monitoring) credentials", () => {
    const files = projectFiles(["src", "components", "lib"], /\.ts$/, ["node_modules"]);
    const offending = files.filter((f) =>
      /listManagedCluster(Admin|Monitoring)(User)?Credentials|listManagedClusterAccessProfile|clusterAdmin/i.test(
        fs.readFileSync(path.join(ROOT, f), "utf8"),
      ),
    );
    expect(offending).toEqual([]);
  });

  it("the offline plan has no stand-in for the admin credentials, so a program asking for them fails its plan", () => {
    expect(() =>
      placeholderCall("azure-native:containerservice:listManagedClusterAdminCredentials", {
        resourceGroupName: "rg-engram-prod",
        resourceName: "aks-engram-prod",
      }),
    ).toThrow("the offline plan has no placeholder for the function");
  });
});
