import { byCodePoint } from "../lib/text";
import { isHigher } from "../src/matrix";
import { assignments, idOf, inputs, principalIdOf, ROLE_IDS, T } from "./helpers/data";
import { ENVIRONMENTS, planOk, stackConfig } from "./helpers/plan";

/**
 * The storage account of DESIGN.md §7 (SOP 000: no public DB/storage in prod; SOP 002) and the
 * grants on its container (DESIGN.md §4).
 */

describe.each(ENVIRONMENTS)("storage in %s", (env) => {
  const higher = isHigher(env);

  it("is StorageV2 with no public blobs, TLS 1.2, HTTPS only and no cross-tenant replication", async () => {
    const { index } = await planOk(env);
    const a = inputs(index.one(T.account));
    expect(a.kind).toBe("StorageV2");
    expect(a.allowBlobPublicAccess).toBe(false);
    expect(a.minimumTlsVersion).toBe("TLS1_2");
    expect(a.enableHttpsTrafficOnly).toBe(true);
    expect(a.allowCrossTenantReplication).toBe(false);
    expect(a.networkRuleSet.defaultAction).toBe("Deny");
  });

  it(`${higher ? "refuses" : "allows"} shared-key access`, async () => {
    const { index } = await planOk(env);
    expect(inputs(index.one(T.account)).allowSharedKeyAccess).toBe(!higher);
  });

  it(
    higher ? "has public network access disabled" : "is reachable only from the allowlist and the aca subnet",
    async () => {
      const { index } = await planOk(env);
      const a = inputs(index.one(T.account));
      if (higher) {
        expect(a.publicNetworkAccess).toBe("Disabled");
        expect(a.networkRuleSet.ipRules).toEqual([]);
        expect(a.networkRuleSet.virtualNetworkRules).toEqual([]);
      } else {
        const allowlist = JSON.parse(stackConfig(env).values["engram:adminIpAllowlist"]) as string[];
        expect(a.publicNetworkAccess).toBe("Enabled");
        expect(a.networkRuleSet.ipRules).toEqual(
          allowlist.map((c) => ({ action: "Allow", iPAddressOrRange: c })),
        );
        expect(a.networkRuleSet.virtualNetworkRules).toEqual([
          { action: "Allow", virtualNetworkResourceId: idOf(index.one(T.subnet, "network-aca-snet")) },
        ]);
      }
    },
  );

  it(`has blob soft delete, container soft delete and versioning ${higher ? "on" : "off"}`, async () => {
    const { index } = await planOk(env);
    const b = inputs(index.one(T.blobService));
    expect(b.deleteRetentionPolicy.enabled).toBe(higher);
    expect(b.containerDeleteRetentionPolicy.enabled).toBe(higher);
    expect(b.isVersioningEnabled).toBe(higher);
    if (higher) expect(b.deleteRetentionPolicy.days).toBeGreaterThanOrEqual(7);
  });

  it("has the private container engram-data", async () => {
    const { index } = await planOk(env);
    const c = inputs(index.one(T.container));
    expect(c.containerName).toBe("engram-data");
    expect(c.publicAccess).toBe("None");
  });

  it("grants backend and worker Blob Data Contributor and groups.data Blob Data Reader on the container only", async () => {
    const { index } = await planOk(env);
    const container = idOf(index.one(T.container));
    const account = idOf(index.one(T.account));
    const data = JSON.parse(stackConfig(env).values["engram:groups"]).data as string;
    const onStorage = assignments(index)
      .filter((a) => a.scope.startsWith(account))
      .map((a) => ({ principalId: a.principalId, role: a.role, scope: a.scope }));
    const expected = [
      {
        principalId: principalIdOf(index, "backend"),
        role: ROLE_IDS["Storage Blob Data Contributor"],
        scope: container,
      },
      {
        principalId: principalIdOf(index, "worker"),
        role: ROLE_IDS["Storage Blob Data Contributor"],
        scope: container,
      },
      { principalId: data, role: ROLE_IDS["Storage Blob Data Reader"], scope: container },
    ];
    const key = (x: { principalId: string }) => x.principalId;
    expect([...onStorage].sort((a, b) => byCodePoint(key(a), key(b)))).toEqual(
      [...expected].sort((a, b) => byCodePoint(key(a), key(b))),
    );
  });

  it(`is ${higher ? "" : "not "}protected and locked`, async () => {
    const { index } = await planOk(env);
    const account = index.one(T.account);
    expect(account.newState.protect).toBe(higher);
    const locks = index.ofType(T.lock).filter((l) => inputs(l).scope === idOf(account));
    expect(locks.map((l) => inputs(l).level)).toEqual(higher ? ["CanNotDelete"] : []);
  });
});
