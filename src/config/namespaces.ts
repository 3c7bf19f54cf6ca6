import { NAMESPACE, RawConfig } from "./types";

/**
 * The namespaces a stack's config may use besides `engram:`, how full keys are split between them,
 * and which keys and values look like credentials wherever they are.
 */

/**
 * The providers this program uses with their default provider, and the config keys each takes (from
 * the installed packages' `config` modules; tests/reliability.test.ts fails when an upgrade
 * changes them). `pulumi:` holds the engine's own settings.
 */
export const PROVIDER_CONFIG_KEYS: Record<string, readonly string[]> = {
  "azure-native": [
    "auxiliaryTenantIds",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientSecret",
    "disableInstanceDiscovery",
    "disablePulumiPartnerId",
    "environment",
    "location",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "subscriptionId",
    "tenantId",
    "useDefaultAzureCredential",
    "useMsi",
    "useOidc",
  ],
  azuread: [
    "adoPipelineServiceConnectionId",
    "clientCertificate",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientIdFilePath",
    "clientSecret",
    "clientSecretFilePath",
    "disableTerraformPartnerId",
    "environment",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "tenantId",
    "useAksWorkloadIdentity",
    "useCli",
    "useMsi",
    "useOidc",
  ],
  random: [],
  time: [],
  tls: ["proxy"],
  pulumi: ["disable-default-providers", "tags", "autonaming"],
};

/** The providers among PROVIDER_CONFIG_KEYS (the rest is the engine's own `pulumi:` namespace). */
export const PROVIDERS = Object.keys(PROVIDER_CONFIG_KEYS).filter((ns) => ns !== "pulumi");

/**
 * Key names that hold credentials (`clientSecret`, `oidcToken`, `clientCertificatePassword`, ...),
 * but not the paths, URLs and ids that merely name where one is.
 */
const SECRET_KEY_NAME =
  /secret|password|passwd|token|credential|private.?key|api.?key|access.?key|connection.?string|^clientcertificate$/i;
const NOT_A_SECRET_NAME = /(path|url|endpoint|id|ids)$/i;
export const looksLikeSecretKey = (name: string): boolean =>
  SECRET_KEY_NAME.test(name) && !NOT_A_SECRET_NAME.test(name);

/** Values that are credentials whatever key holds them: private keys, JWTs, keyed connection strings, SAS signatures. */
const SECRET_VALUE =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.|(AccountKey|SharedAccessKey|Password|Pwd)=[^;]{4,}|[?&]sig=[A-Za-z0-9%]{16,}/i;
export const looksLikeSecretValue = (value: string): boolean => SECRET_VALUE.test(value);

/** The `engram:` keys among full config keys (`engram:location`), without the namespace. */
export function namespaceKeys(fullKeys: readonly string[]): string[] {
  return fullKeys.filter((k) => k.startsWith(`${NAMESPACE}:`)).map((k) => k.slice(NAMESPACE.length + 1));
}

/** The `engram:` values of a full-key config, keyed without the namespace. */
export function namespaceValues(all: Record<string, string>): Record<string, string> {
  return Object.fromEntries(namespaceKeys(Object.keys(all)).map((k) => [k, all[`${NAMESPACE}:${k}`]]));
}

/** The keys of every other namespace (full keys), with the secret ones among them. */
export function foreignConfig(
  all: Record<string, string>,
  isSecret: (fullKey: string) => boolean,
): NonNullable<RawConfig["foreign"]> {
  const keys = Object.keys(all).filter((k) => !k.startsWith(`${NAMESPACE}:`));
  return { values: Object.fromEntries(keys.map((k) => [k, all[k]])), secretKeys: keys.filter(isSecret) };
}
