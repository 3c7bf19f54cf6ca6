import { isHigher } from "../src/matrix";
import { assignments, idOf, inputs, ROLE_IDS, T } from "./helpers/data";
import { ENVIRONMENTS, planOk, stackConfig } from "./helpers/plan";

/**
 * The Key Vault of DESIGN.md §1 and §3 (SOP 000 Secrets & Key Management, SOP 002): RBAC mode,
 * soft delete and purge protection per the matrix, firewall and public access per the matrix,
 * protect + CanNotDelete lock in higher environments, and the security group's Key Vault Reader.
 */

describe.each(ENVIRONMENTS)("Key Vault in %s", (env) => {
  const higher = isHigher(env);

  it("is in RBAC mode with no access policies and soft delete on", async () => {
    const { index } = await planOk(env);
    const p = inputs(index.one(T.vault)).properties;
    expect(p.enableRbacAuthorization).toBe(true);
    expect(p.accessPolicies).toEqual([]);
    expect(p.enableSoftDelete).toBe(true);
    expect(p.enabledForDeployment).toBe(false);
    expect(p.enabledForTemplateDeployment).toBe(false);
    expect(p.enabledForDiskEncryption).toBe(false);
  });

  it(`keeps deleted vaults and secrets ${higher ? 90 : 7} days`, async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(T.vault)).properties.softDeleteRetentionInDays).toBe(higher ? 90 : 7);
  });

  it(`has purge protection ${higher ? "on" : "left out (off; Azure refuses an explicit false)"}`, async () => {
    const { index } = await planOk(env);
    const p = inputs(index.one(T.vault)).properties;
    if (higher) expect(p.enablePurgeProtection).toBe(true);
    else expect("enablePurgeProtection" in p).toBe(false);
  });

  it(
    higher
      ? "has public network access disabled and a firewall that admits nothing"
      : "is reachable only from the admin allowlist and the aca subnet (default Deny)",
    async () => {
      const { index } = await planOk(env);
      const p = inputs(index.one(T.vault)).properties;
      expect(p.networkAcls.defaultAction).toBe("Deny");
      expect(p.networkAcls.bypass).toBe("AzureServices");
      if (higher) {
        expect(p.publicNetworkAccess).toBe("Disabled");
        expect(p.networkAcls.ipRules).toEqual([]);
        expect(p.networkAcls.virtualNetworkRules).toEqual([]);
      } else {
        const allowlist = JSON.parse(stackConfig(env).values["engram:adminIpAllowlist"]) as string[];
        expect(p.publicNetworkAccess).toBe("Enabled");
        expect(p.networkAcls.ipRules).toEqual(allowlist.map((value) => ({ value })));
        const aca = idOf(index.one(T.subnet, "network-aca-snet"));
        expect(p.networkAcls.virtualNetworkRules).toEqual([{ id: aca }]);
      }
    },
  );

  it(`is ${higher ? "" : "not "}protected and ${higher ? "" : "not "}locked against deletion`, async () => {
    const { index } = await planOk(env);
    const vault = index.one(T.vault);
    expect(vault.newState.protect).toBe(higher);
    const locks = index.ofType(T.lock).filter((l) => inputs(l).scope === idOf(vault));
    expect(locks.map((l) => inputs(l).level)).toEqual(higher ? ["CanNotDelete"] : []);
  });

  it("grants groups.security Key Vault Reader on the vault, and nobody else any role on it", async () => {
    const { index } = await planOk(env);
    const security = JSON.parse(stackConfig(env).values["engram:groups"]).security as string;
    const onVault = assignments(index).filter((a) => a.scope === idOf(index.one(T.vault)));
    expect(onVault).toEqual([
      {
        principalId: security,
        principalType: "Group",
        role: ROLE_IDS["Key Vault Reader"],
        scope: onVault[0].scope,
      },
    ]);
  });
});

// The purge protection and retention overrides: tests/secrets.test.ts, which plans variants anyway.
