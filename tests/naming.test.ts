import {
  ABBREVIATIONS,
  checkName,
  defaultNameSuffix,
  NAME_RULES,
  ResourceKind,
  resourceName,
} from "../lib/naming";
import { planOk } from "./helpers/plan";

/**
 * Resource names: Azure's per-type length and character limits, the names the program really
 * builds at their longest (staging + a 6-character suffix), and the deterministic suffix.
 */

/** Azure's limits (learn.microsoft.com, resource-name-rules), written out rather than read from naming.ts. */
const AZURE_LIMITS: Partial<Record<ResourceKind, [min: number, max: number]>> = {
  resourceGroup: [1, 90],
  keyVault: [3, 24],
  storageAccount: [3, 24],
  userAssignedIdentity: [3, 128],
  virtualNetwork: [2, 64],
  subnet: [1, 80],
  networkSecurityGroup: [1, 80],
  privateEndpoint: [2, 64],
  logAnalyticsWorkspace: [4, 63],
  containerAppsEnvironment: [2, 60],
  containerApp: [2, 32],
  staticWebApp: [2, 40],
  postgresServer: [3, 63],
  managementLock: [1, 90],
  eventGridSystemTopic: [3, 128],
  eventGridSubscription: [3, 64],
};

const KINDS = Object.keys(NAME_RULES) as ResourceKind[];
const LONGEST = { environment: "staging", suffix: "abcdef" };

describe("per-type limits", () => {
  it.each(Object.entries(AZURE_LIMITS))("%s allows %j characters, as Azure does", (kind, limits) => {
    const rule = NAME_RULES[kind as ResourceKind];
    expect([rule.min, rule.max]).toEqual(limits);
  });

  it("every kind has an abbreviation and a rule", () => {
    expect(Object.keys(ABBREVIATIONS).sort()).toEqual([...KINDS].sort());
  });

  describe.each(KINDS)("%s", (kind) => {
    const { min, max } = NAME_RULES[kind];
    it(`accepts ${min} and ${max} characters`, () => {
      expect(checkName(kind, "a".repeat(min))).toBe("a".repeat(min));
      expect(checkName(kind, "a".repeat(max))).toBe("a".repeat(max));
    });
    it(`refuses ${max + 1} characters${min > 1 ? ` and ${min - 1}` : " and the empty name"}, naming the length and the rule`, () => {
      const long = "a".repeat(max + 1);
      expect(() => checkName(kind, long)).toThrow(
        `resource name "${long}" (${max + 1} characters) is not a valid ${kind} name: ${NAME_RULES[kind].describe}`,
      );
      expect(() => checkName(kind, "a".repeat(min - 1))).toThrow(`is not a valid ${kind} name`);
    });
    it("refuses upper case and spaces (names are lower case)", () => {
      expect(() => checkName(kind, "A".repeat(Math.max(min, 4)))).toThrow(`is not a valid ${kind} name`);
      expect(() => checkName(kind, "ab cd")).toThrow(`is not a valid ${kind} name`);
    });
  });
});

describe("character rules", () => {
  const cases: [ResourceKind, string, boolean][] = [
    ["keyVault", "kv-engram-prod-abc123", true],
    ["keyVault", "kv--engram", false],
    ["keyVault", "1kv-engram", false],
    ["keyVault", "kv-engram-", false],
    ["keyVault", "kv_engram", false],
    ["storageAccount", "stengramprodabc123", true],
    ["storageAccount", "st-engram-prod", false],
    ["storageAccount", "stEngram", false],
    ["containerApp", "ca-engram-prod-backend", true],
    ["containerApp", "ca--engram", false],
    ["containerApp", "-ca-engram", false],
    ["containerApp", "ca-engram-", false],
    ["containerApp", "1ca-engram", false],
    ["containerAppsEnvironment", "cae-engram-prod", true],
    ["containerAppsEnvironment", "cae-engram-prod-", false],
    ["logAnalyticsWorkspace", "log-engram-prod", true],
    ["logAnalyticsWorkspace", "log_engram", false],
    ["postgresServer", "psql-engram-prod-abc123", true],
    ["postgresServer", "psql-engram-prod-", false],
    ["subnet", "snet-engram-prod-apps", true],
    ["subnet", "snet-engram-prod.", false],
    ["resourceGroup", "rg-engram-prod", true],
    ["resourceGroup", "rg-engram-prod.", false],
  ];
  it.each(cases)("%s %s valid: %s", (kind, name, valid) => {
    if (valid) expect(checkName(kind, name)).toBe(name);
    else expect(() => checkName(kind, name)).toThrow(`resource name "${name}"`);
  });
});

describe("resourceName", () => {
  it("builds <abbr>-engram-<env>[-<qualifier>][-<suffix>] with the suffix only on globally unique names", () => {
    const ctx = { environment: "prod", suffix: "506f53" };
    expect(resourceName(ctx, "resourceGroup")).toBe("rg-engram-prod");
    expect(resourceName(ctx, "userAssignedIdentity", "backend")).toBe("id-engram-prod-backend");
    expect(resourceName(ctx, "keyVault")).toBe("kv-engram-prod-506f53");
    expect(resourceName(ctx, "storageAccount")).toBe("stengramprod506f53");
    expect(resourceName(ctx, "postgresServer")).toBe("psql-engram-prod-506f53");
    expect(resourceName(ctx, "containerApp", "backend")).toBe("ca-engram-prod-backend");
  });

  it("the longest real names (staging, 6-character suffix) fit their limits", () => {
    const names: [ResourceKind, string | undefined, string][] = [
      ["keyVault", undefined, "kv-engram-staging-abcdef"],
      ["storageAccount", undefined, "stengramstagingabcdef"],
      ["postgresServer", "platform", "psql-engram-staging-platform-abcdef"],
      ["containerApp", "backend", "ca-engram-staging-backend"],
      ["containerApp", "temporal-ui", "ca-engram-staging-temporal-ui"],
      ["containerAppsEnvironment", undefined, "cae-engram-staging"],
      ["userAssignedIdentity", "temporal", "id-engram-staging-temporal"],
      ["logAnalyticsWorkspace", undefined, "log-engram-staging"],
      ["staticWebApp", undefined, "stapp-engram-staging"],
      ["privateEndpoint", "psql-platform", "pe-engram-staging-psql-platform"],
    ];
    for (const [kind, qualifier, expected] of names) {
      const name = resourceName(LONGEST, kind, qualifier);
      expect(name).toBe(expected);
      expect(name.length).toBeLessThanOrEqual(NAME_RULES[kind].max);
    }
    // The Key Vault name uses all 24 characters: there is no room for a qualifier.
    expect(resourceName(LONGEST, "keyVault")).toHaveLength(24);
  });

  it("throws with the name, its length and the rule when a limit breaks", () => {
    expect(() => resourceName(LONGEST, "keyVault", "x")).toThrow(
      'resource name "kv-engram-staging-x-abcdef" (26 characters) is not a valid keyVault name: 3-24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
    );
    expect(() => resourceName(LONGEST, "containerApp", "temporal-frontend")).toThrow(
      'resource name "ca-engram-staging-temporal-frontend" (35 characters) is not a valid containerApp name: 2-32 lowercase letters, digits and single hyphens, starting with a letter',
    );
    expect(() => resourceName(LONGEST, "storageAccount", "diagnostics")).toThrow(
      'resource name "stengramstagingdiagnosticsabcdef" (32 characters) is not a valid storageAccount name: 3-24 lowercase letters and digits',
    );
  });
  // The staging plan with a 6-character suffix (every name the program builds fits): tests/plan.test.ts.
});

describe("defaultNameSuffix", () => {
  it("is 6 lowercase hex characters", () => {
    for (const stack of ["dev", "test", "uat", "staging", "prod", "prod-weu"])
      expect(defaultNameSuffix("engram-infra", stack)).toMatch(/^[0-9a-f]{6}$/);
  });
  it("is the same for the same project and stack, on every machine (literal values)", () => {
    expect(defaultNameSuffix("engram-infra", "prod")).toBe("506f53");
    expect(defaultNameSuffix("engram-infra", "prod")).toBe(defaultNameSuffix("engram-infra", "prod"));
    expect(defaultNameSuffix("engram-infra", "dev")).toBe("d7848d");
    expect(defaultNameSuffix("engram-infra", "prod-weu")).toBe("02e8da");
  });
  it("differs between stacks and between projects", () => {
    const suffixes = ["dev", "test", "uat", "staging", "prod", "prod-weu"].map((s) =>
      defaultNameSuffix("engram-infra", s),
    );
    expect(new Set(suffixes).size).toBe(suffixes.length);
    expect(defaultNameSuffix("other-project", "prod")).not.toBe(defaultNameSuffix("engram-infra", "prod"));
  });
  it("is what the plan uses when nameSuffix is not set", async () => {
    const { config } = await planOk("prod");
    expect(config.nameSuffix).toBe("506f53");
  });
});
