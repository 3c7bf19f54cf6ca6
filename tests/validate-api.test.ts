import * as net from "net";
import { ISSUER, TENANT } from "./helpers/fake-estate";
import { harness, roleTokenEnv } from "./helpers/validate-harness";

/**
 * `npm run validate`: the API, MCP, token and SWA checks (SOP 000 checklist "API", "MCP", "SWA";
 * "Token & Audience"), each shown to PASS against a good fake estate and to FAIL, with its exact
 * reason, when one thing is broken. The fake is local (127.0.0.1); nothing leaves the machine.
 */
const h = harness();
const roles = () => roleTokenEnv(h.tokens);

beforeEach(() => h.stack("dev"));

describe("api.health: /health answers 200 without a token", () => {
  it("PASS on 200", async () => {
    expect(await h.check("api.health")).toMatchObject({
      status: "PASS",
      reason: "/health answers 200 without a token",
    });
  });
  it("FAIL when /health answers 503", async () => {
    h.fake.state.api.health = 503;
    expect(await h.check("api.health")).toMatchObject({
      status: "FAIL",
      reason: "/health answered 503 without a token, expected 200",
    });
  });
});

describe("api.ready: /ready with a valid bearer token", () => {
  it("PASS with a test principal's token", async () => {
    expect(await h.check("api.ready", { env: roles() })).toMatchObject({
      status: "PASS",
      reason: "/ready answers 200 with a token of the Admin test principal",
    });
  });
  it("FAIL when /ready answers 503", async () => {
    h.fake.state.api.ready = 503;
    expect((await h.check("api.ready", { env: roles() })).reason).toBe(
      "/ready answered 503 with a token of the Admin test principal, expected 200",
    );
  });
  it("uses the signed-in identity's token for the API when no test principal is configured", async () => {
    expect((await h.check("api.ready")).reason).toBe(
      "/ready answers 200 with a token of the signed-in identity",
    );
  });
});

describe("api.ready / mcp.token without any token for the API", () => {
  it("SKIP, naming why the token could not be obtained and how to give one", async () => {
    const tokens = {
      token: (scope: string) =>
        scope.startsWith("api://")
          ? Promise.reject(
              new Error(
                "AADSTS501051: Application is not assigned to a role for the application\nTrace ID: x",
              ),
            )
          : Promise.resolve(h.tokens.tokens.arm),
    };
    const why =
      "no token for api://engram-dev could be obtained (AADSTS501051: Application is not assigned to a role for the application); " +
      "set ENGRAM_VALIDATE_API_TOKEN or a test principal's ENGRAM_VALIDATE_TOKEN_<ROLE>";
    expect(await h.check("api.ready", { tokens })).toMatchObject({ status: "SKIP", reason: why });
    expect(await h.check("mcp.token", { tokens })).toMatchObject({ status: "SKIP", reason: why });
  });
});

describe("api.anonymous / mcp.anonymous: no token, 401", () => {
  it("PASS when both refuse", async () => {
    expect(await h.check("api.anonymous")).toMatchObject({
      status: "PASS",
      reason: "/api/v1/agents refuses a request without a token (401)",
    });
    expect(await h.check("mcp.anonymous")).toMatchObject({
      status: "PASS",
      reason: "/api/v1/mcp refuses a request without a token (401)",
    });
  });
  it("FAIL when the API lets an anonymous request through", async () => {
    h.fake.state.api.anonymous = 200;
    expect(await h.check("api.anonymous")).toMatchObject({
      status: "FAIL",
      reason: "/api/v1/agents answered 200 without a token, expected 401",
    });
  });
  it("FAIL when only the MCP endpoint lets it through", async () => {
    h.fake.state.status.set("/api/api/v1/mcp", 200);
    expect(await h.check("api.anonymous")).toMatchObject({ status: "PASS" });
    expect((await h.check("mcp.anonymous")).reason).toBe(
      "/api/v1/mcp answered 200 without a token, expected 401",
    );
  });
});

describe("api.audience: a token for another audience, 401", () => {
  it("PASS when the API and MCP refuse the Azure Resource Manager token", async () => {
    expect((await h.check("api.audience")).reason).toBe(
      "/api/v1/agents and /api/v1/mcp refuse a request with a token for another audience (Azure Resource Manager) (401)",
    );
  });
  it("FAIL when the API accepts any audience", async () => {
    h.fake.state.api.audiences.push("https://management.azure.com");
    expect(await h.check("api.audience")).toMatchObject({
      status: "FAIL",
      reason:
        // The token gets past authentication and is refused only for lacking a role: still a FAIL.
        "/api/v1/agents answered 403 with a token for another audience (Azure Resource Manager), expected 401; " +
        "/api/v1/mcp answered 200 with a token for another audience (Azure Resource Manager), expected 401",
    });
  });
});

describe("mcp.token: the MCP endpoint accepts an Entra token", () => {
  it("PASS on 200", async () => {
    expect((await h.check("mcp.token", { env: roles() })).reason).toBe(
      "/api/v1/mcp accepts a token of the Admin test principal (200)",
    );
  });
  it("FAIL on 401", async () => {
    h.fake.state.status.set("/api/api/v1/mcp", 401);
    expect(await h.check("mcp.token", { env: roles() })).toMatchObject({
      status: "FAIL",
      reason:
        "/api/v1/mcp answered 401 to a token of the Admin test principal, expected it to accept the token",
    });
  });
  it("FAIL on a server error", async () => {
    h.fake.state.status.set("/api/api/v1/mcp", 502);
    expect((await h.check("mcp.token", { env: roles() })).reason).toBe(
      "/api/v1/mcp answered 502 to a token of the Admin test principal, expected it to accept the token",
    );
  });
});

describe("api.roles: each role reaches exactly what SOP 000 allows", () => {
  it("PASS with the four test principals (20 calls in the evidence)", async () => {
    const r = await h.check("api.roles", { env: roles() });
    expect(r).toMatchObject({
      status: "PASS",
      reason: "Admin, Analyst, PM, Viewer: every route answers as SOP 000 allows",
    });
    expect(r.evidence).toHaveLength(20);
    expect(r.evidence).toContain("Viewer GET /api/v1/admin/users: 403 (denied by SOP 000)");
  });
  it("FAIL when Viewer reaches administration and PM is refused workflows", async () => {
    h.fake.state.api.overrides.set("Viewer /api/v1/admin/users", 200);
    h.fake.state.api.overrides.set("PM /api/v1/workflows", 403);
    expect((await h.check("api.roles", { env: roles() })).reason).toBe(
      "PM got 403 on /api/v1/workflows (workflows), which SOP 000 allows it; " +
        "Viewer got 200 on /api/v1/admin/users (administration), expected 403: SOP 000 does not allow it",
    );
  });
  it("FAIL when a route a role may reach is missing (404), not only when it is refused", async () => {
    h.fake.state.api.overrides.set("Analyst /api/v1/memory", 404);
    expect((await h.check("api.roles", { env: roles() })).reason).toBe(
      "Analyst got 404 on /api/v1/memory (memory), which SOP 000 allows it",
    );
  });
  it("SKIP, saying so, when no test principal is configured", async () => {
    expect(await h.check("api.roles")).toMatchObject({
      status: "SKIP",
      reason:
        "no test principals configured (ENGRAM_VALIDATE_TOKEN_ADMIN, ENGRAM_VALIDATE_TOKEN_ANALYST, ENGRAM_VALIDATE_TOKEN_PM, ENGRAM_VALIDATE_TOKEN_VIEWER): role-based access not tested",
    });
  });
  it("PASS for the roles configured, naming those not tested", async () => {
    const r = await h.check("api.roles", { env: { ENGRAM_VALIDATE_TOKEN_PM: h.tokens.tokens.PM } });
    expect(r.reason).toBe(
      "PM: every route answers as SOP 000 allows; no test principal for Admin, Analyst, Viewer, not tested",
    );
  });
});

describe("tokens.issuer: the tenant's v2 issuer", () => {
  it("PASS when the OpenID configuration and the stack agree on it", async () => {
    expect((await h.check("tokens.issuer")).reason).toBe(
      `the tenant's v2 issuer is ${ISSUER}, as the API expects`,
    );
  });
  it("FAIL on a v1 issuer in the OpenID configuration and a wrong apiIssuer output", async () => {
    h.fake.state.openid.issuer = `https://sts.windows.net/${TENANT}/`;
    const r = await h.check("tokens.issuer", {
      outputs: { apiIssuer: "https://login.microsoftonline.com/common/v2.0" },
    });
    expect(r.reason).toBe(
      `the stack's apiIssuer is "https://login.microsoftonline.com/common/v2.0", expected "${ISSUER}"; ` +
        `the tenant's OpenID configuration gives the issuer "https://sts.windows.net/${TENANT}/", expected "${ISSUER}"`,
    );
  });
});

describe("tokens.app-registration: api://engram-<env>, v2, user_impersonation, no secrets", () => {
  it("PASS on the registration the program makes", async () => {
    expect(await h.check("tokens.app-registration")).toMatchObject({
      status: "PASS",
      reason:
        "engram-api-dev: api://engram-dev, v2 tokens, user_impersonation, no client secret or certificate",
    });
  });
  it("FAIL on v1 tokens, a second identifier URI, no scope and a client secret", async () => {
    const app = h.fake.state.graph.applications[0];
    app.identifierUris = ["api://engram-dev", "api://engram"];
    app.api = { requestedAccessTokenVersion: 1, oauth2PermissionScopes: [] };
    app.passwordCredentials = [{ keyId: "k1", displayName: "ci" }];
    expect((await h.check("tokens.app-registration")).reason).toBe(
      'identifierUris are ["api://engram-dev","api://engram"], expected ["api://engram-dev"]; ' +
        "requestedAccessTokenVersion is 1, expected 2 (v2 tokens); no enabled user_impersonation scope; " +
        "it holds 1 passwordCredentials (client secrets or certificates); it must hold none",
    );
  });
  it("FAIL when the registration lets other tenants sign in", async () => {
    h.fake.state.graph.applications[0].signInAudience = "AzureADMultipleOrgs";
    expect((await h.check("tokens.app-registration")).reason).toBe(
      'signInAudience is "AzureADMultipleOrgs", expected "AzureADMyOrg"',
    );
  });
  it("FAIL when Graph has no application with the stack's apiClientId", async () => {
    h.fake.state.graph.applications = [];
    expect((await h.check("tokens.app-registration")).reason).toBe(
      "Microsoft Graph has 0 applications with appId a0000000-0000-4000-8000-000000000001, expected 1",
    );
  });
});

describe("web.login: the Static Web App enforces the Entra login", () => {
  it("PASS when anonymous visitors go to /.auth/login/aad and GitHub login is closed", async () => {
    expect((await h.check("web.login")).reason).toBe(
      "the Static Web App sends anonymous visitors to the Entra login and offers no other provider",
    );
  });
  it("FAIL when / is served to anyone and the GitHub provider is open", async () => {
    h.fake.state.web.set("/", { status: 200 });
    h.fake.state.web.set("/.auth/login/github", {
      status: 302,
      location: "https://github.com/login/oauth/authorize",
    });
    expect((await h.check("web.login")).reason).toBe(
      "/ answered 200 to an anonymous visitor; expected 401 or a redirect to /.auth/login/aad; " +
        "/.auth/login/github answered 302: a login provider other than Entra is open",
    );
  });
  it("FAIL when an anonymous visitor is redirected somewhere other than the Entra login", async () => {
    h.fake.state.web.set("/index.html", { status: 302, location: "/.auth/login/github" });
    expect((await h.check("web.login")).reason).toBe(
      "/index.html answered 302 (to /.auth/login/github) to an anonymous visitor; expected 401 or a redirect to /.auth/login/aad",
    );
  });
});

describe("what a check says when it cannot finish", () => {
  it("an API that cannot be reached is a FAIL naming the host", async () => {
    // A port that was just free: nothing listens there.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await h.check("api.health", { env: { ENGRAM_VALIDATE_API_URL: `http://127.0.0.1:${port}` } });
    expect(r).toMatchObject({
      status: "FAIL",
      reason: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED`,
    });
  });
});
