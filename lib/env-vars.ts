/**
 * Which container environment variables must carry a secret reference, never a plain value (SOP 002:
 * no secrets in plain text). Pure, so the component and the tests share it without the SDK.
 */

/** Env var names that must never carry a plain value. */
const SECRET_LIKE = /(KEY|PASSWORD|PWD|SECRET|TOKEN|CREDENTIAL|CONNECTION_STRING)$/;

/**
 * Names that look like secrets but are documented as not secret. Microsoft documents the
 * instrumentation key inside an Application Insights connection string as an identifier, not a
 * security token or key; and where local auth is off (uat/staging/prod) ingestion needs an Entra
 * token of the app's own identity anyway.
 */
const NOT_SECRET = new Set(["APPLICATIONINSIGHTS_CONNECTION_STRING"]);

/** True for a name that must come from a secretRef. `*_TLS_*` names are paths to mounted files. */
export function isSecretLikeEnv(name: string): boolean {
  return SECRET_LIKE.test(name) && !name.includes("_TLS_") && !NOT_SECRET.has(name);
}
