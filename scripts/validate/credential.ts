import type { TokenCredential } from "@azure/identity";
import { ARM_SCOPE, GRAPH_SCOPE, TokenSource } from "./rest";

/**
 * Where `npm run validate` gets its tokens: @azure/identity's DefaultAzureCredential, which in the
 * deploy workflow is the Azure CLI session azure/login opened with OIDC (the apply identity) and on
 * a laptop the developer's `az login`. A token already held can be given instead, per scope:
 * ENGRAM_VALIDATE_ARM_TOKEN, ENGRAM_VALIDATE_GRAPH_TOKEN (e.g. from `az account get-access-token`).
 * When tokens are given, no credential is used at all (a scope without one has no token).
 * Tokens are cached per scope for the run; none is ever printed or written.
 */

const GIVEN: Record<string, string> = {
  [ARM_SCOPE]: "ENGRAM_VALIDATE_ARM_TOKEN",
  [GRAPH_SCOPE]: "ENGRAM_VALIDATE_GRAPH_TOKEN",
};

export class CredentialTokens implements TokenSource {
  private readonly cache = new Map<string, Promise<string>>();
  private credential?: TokenCredential;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  token(scope: string): Promise<string> {
    let t = this.cache.get(scope);
    if (!t) {
      t = this.fetch(scope);
      this.cache.set(scope, t);
    }
    return t;
  }

  private async fetch(scope: string): Promise<string> {
    const given = GIVEN[scope] && this.env[GIVEN[scope]];
    if (given) return given;
    // Tokens given from outside are all there is: no credential is tried behind them.
    if (Object.values(GIVEN).some((v) => this.env[v])) throw new Error(`no token was given for ${scope}`);
    if (!this.credential) {
      // Loaded only when a token is needed: --help and a wrong command line answer at once.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
      this.credential = new DefaultAzureCredential();
    }
    const token = await this.credential.getToken(scope);
    if (!token) throw new Error(`no token for ${scope}`);
    return token.token;
  }
}
