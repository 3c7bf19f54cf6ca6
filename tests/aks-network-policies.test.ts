import { Endpoint, flowAllowed, flowText, NetworkPolicyObject, reachable } from "../lib/network-reachability";
import { planFlows, planPolicies } from "../scripts/offline/report/aks-network";
import { planOk } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";

/**
 * DESIGN.md §11 "NetworkPolicies" (SOP 000 "Network policies in AKS: default deny; allow explicit
 * paths"): the flows the planned policies allow, computed with Kubernetes semantics, are exactly
 * the list below — nothing more, nothing less. The list is written out from DESIGN.md §11, not read
 * from the table that generates the policies. The semantics themselves are tested first, each case
 * able to fail on its own.
 */

// ---------- the semantics, on small hand-written policies ----------

const pod = (name: string, labels: Record<string, string>, namespace = "ns"): Endpoint => ({
  name,
  kind: "pod",
  namespace,
  namespaceLabels: {
    "kubernetes.io/metadata.name": namespace,
    ...(namespace === "ops" ? { team: "ops" } : {}),
  },
  labels,
  namedPorts: { http: { protocol: "TCP", port: 8080 } },
});
const a = pod("a", { app: "a" });
const b = pod("b", { app: "b" });
const opsPod = pod("ops", { app: "tool" }, "ops");
const ip = (name: string, addr: string): Endpoint => ({ name, kind: "ip", ip: addr });
const tcp = (port: number) => ({ protocol: "TCP", port });
const policy = (spec: NetworkPolicyObject["spec"], namespace = "ns"): NetworkPolicyObject => ({
  metadata: { name: "p", namespace },
  spec,
});
const denyAll = policy({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });

describe("NetworkPolicy semantics (lib/network-reachability.ts)", () => {
  it("a pod no policy selects is not isolated: everything reaches it and it reaches everything", () => {
    const onlyB = policy({ podSelector: { matchLabels: { app: "b" } }, policyTypes: ["Ingress"] });
    expect(flowAllowed([onlyB], b, a, tcp(1234))).toBe(true);
    expect(flowAllowed([onlyB], a, b, tcp(1234))).toBe(false);
  });

  it("default deny isolates every pod of its namespace both ways, not the pods of another namespace", () => {
    expect(flowAllowed([denyAll], a, b, tcp(80))).toBe(false);
    expect(flowAllowed([denyAll], opsPod, ip("x", "8.8.8.8"), tcp(80))).toBe(true);
  });

  it("a flow needs the source's egress and the destination's ingress", () => {
    const egress = policy({
      podSelector: { matchLabels: { app: "a" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: { matchLabels: { app: "b" } } }], ports: [{ port: 8080 }] }],
    });
    const ingress = policy({
      podSelector: { matchLabels: { app: "b" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "a" } } }], ports: [{ port: 8080 }] }],
    });
    expect(flowAllowed([denyAll, egress], a, b, tcp(8080))).toBe(false);
    expect(flowAllowed([denyAll, ingress], a, b, tcp(8080))).toBe(false);
    expect(flowAllowed([denyAll, egress, ingress], a, b, tcp(8080))).toBe(true);
    expect(flowAllowed([denyAll, egress, ingress], b, a, tcp(8080))).toBe(false);
  });

  it("ports match by protocol (TCP by default), number, range and name", () => {
    const rule = (ports: NonNullable<NetworkPolicyObject["spec"]["ingress"]>[number]["ports"]) =>
      policy({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports }] });
    expect(flowAllowed([rule([{ port: 53 }])], a, b, { protocol: "UDP", port: 53 })).toBe(false);
    expect(flowAllowed([rule([{ protocol: "UDP", port: 53 }])], a, b, { protocol: "UDP", port: 53 })).toBe(
      true,
    );
    expect(flowAllowed([rule([{ port: 8000, endPort: 8010 }])], a, b, tcp(8005))).toBe(true);
    expect(flowAllowed([rule([{ port: 8000, endPort: 8010 }])], a, b, tcp(8011))).toBe(false);
    expect(flowAllowed([rule([{ port: "http" }])], a, b, tcp(8080))).toBe(true);
    expect(flowAllowed([rule([{ port: "http" }])], a, b, tcp(8081))).toBe(false);
  });

  it("ipBlock admits its CIDR minus `except`, and never stands for a pod", () => {
    const out = policy({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }],
    });
    expect(flowAllowed([out], a, ip("public", "20.190.128.1"), tcp(443))).toBe(true);
    expect(flowAllowed([out], a, ip("vnet", "10.50.2.4"), tcp(443))).toBe(false);
    expect(flowAllowed([out], a, b, tcp(443))).toBe(false);
  });

  it("a podSelector alone means the policy's namespace; a namespaceSelector reaches other namespaces", () => {
    const from = (peer: object) =>
      policy({
        podSelector: { matchLabels: { app: "b" } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [peer] }],
      });
    expect(flowAllowed([from({ podSelector: { matchLabels: { app: "tool" } } })], opsPod, b, tcp(80))).toBe(
      false,
    );
    expect(
      flowAllowed([from({ namespaceSelector: { matchLabels: { team: "ops" } } })], opsPod, b, tcp(80)),
    ).toBe(true);
    expect(
      flowAllowed(
        [
          from({
            namespaceSelector: { matchLabels: { team: "ops" } },
            podSelector: { matchLabels: { app: "other" } },
          }),
        ],
        opsPod,
        b,
        tcp(80),
      ),
    ).toBe(false);
  });

  it("matchExpressions select with In / NotIn / Exists", () => {
    const sel = (expr: object) =>
      policy({ podSelector: { matchExpressions: [expr as never] }, policyTypes: ["Ingress"] });
    expect(flowAllowed([sel({ key: "app", operator: "In", values: ["b"] })], a, b, tcp(1))).toBe(false);
    expect(flowAllowed([sel({ key: "app", operator: "NotIn", values: ["b"] })], a, b, tcp(1))).toBe(true);
    expect(flowAllowed([sel({ key: "tier", operator: "Exists" })], a, b, tcp(1))).toBe(true);
  });

  it("reachable lists only flows touching the namespace", () => {
    const flows = reachable([denyAll], [a, b, opsPod, ip("x", "8.8.8.8")], [tcp(80)], "ns").map(flowText);
    expect(flows).toEqual([]);
    expect(reachable([], [opsPod, ip("x", "8.8.8.8")], [tcp(80)], "ns")).toEqual([]);
  });
});

// ---------- the plan's policies against DESIGN.md §11 ----------

/** DESIGN.md §11, written out: DNS for every pod, then each listed path with its port. */
const EXPECTED = [
  ...["backend", "worker", "zep", "temporal", "temporal-ui"].flatMap((p) => [
    `${p} -> kube-dns TCP/53`,
    `${p} -> kube-dns UDP/53`,
  ]),
  "waf subnet -> backend TCP/8000",
  "backend -> zep TCP/8000",
  "backend -> temporal TCP/7233",
  "worker -> temporal TCP/7233",
  "worker -> zep TCP/8000",
  "temporal-ui -> temporal TCP/7233",
  // Application Postgres (backend, worker) and platform Postgres (zep, temporal): the PE subnet.
  "backend -> private endpoints TCP/5432",
  "worker -> private endpoints TCP/5432",
  "zep -> private endpoints TCP/5432",
  "temporal -> private endpoints TCP/5432",
  // Key Vault and Storage through their private endpoints (the apps that use Storage).
  "backend -> private endpoints TCP/443",
  "worker -> private endpoints TCP/443",
  // The AI endpoint and Entra on 443 (the apps that call the AI endpoint).
  "backend -> internet TCP/443",
  "worker -> internet TCP/443",
  "zep -> internet TCP/443",
].sort();

describe.each(["prod", "staging"] as const)("the network policies of %s on AKS", (env) => {
  it("allow exactly the paths of DESIGN.md §11: nothing more, nothing less", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    expect(planFlows(index).map(flowText).sort()).toEqual(EXPECTED);
  });

  it("start from a default deny of all ingress and egress in engram", async () => {
    const { index } = await planOk(env, AKS_CHANGE[env]);
    const deny = planPolicies(index).filter((p) => p.metadata?.name === "default-deny");
    expect(deny).toHaveLength(1);
    expect(deny[0].metadata?.namespace).toBe("engram");
    expect(deny[0].spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(planPolicies(index).every((p) => p.metadata?.namespace === "engram")).toBe(true);
  });
});
