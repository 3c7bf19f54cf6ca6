import * as pulumi from "@pulumi/pulumi";
import { EntraSpaApp } from "../../components/entra-spa-app";

/** The prod SPA registration with the redirect URIs under test (the guards' tests, in and out of jest). */
export function prodSpa(redirectUris: pulumi.Input<pulumi.Input<string>[]>, allowLocalhost?: boolean): void {
  new EntraSpaApp("spa", {
    displayName: "engram-web-prod",
    redirectUris,
    allowLocalhost,
    api: {
      clientId: "00000000-0000-0000-0000-000000000001",
      scopeId: "00000000-0000-0000-0000-000000000002",
    },
    owners: [],
  });
}
