import { PROVIDER_CONFIG_KEYS, RawConfig, validateConfig } from "../src/config";
import { emailReceiverName } from "../lib/naming";
import { byCodePoint, escapeText } from "../lib/text";
import { Environment } from "../src/matrix";
import { parseStackFile, StackFileError } from "../scripts/offline/stack-file";
import { baseValues, DBA_GROUP } from "./helpers/config-values";

/**
 * Issue #13: every bad input refused with one clear message that names the key, the value
 * (escaped), the environment and the rule; no secret ever quoted; nothing silently ignored. Pure
 * checks against `validateConfig` and the stack-file reader; tests/plan-cli.test.ts proves the same
 * end to end through the command. Every expected message is written out.
 */

const GUID = DBA_GROUP;

interface Change {
  set?: Record<string, string>;
  unset?: string[];
  foreign?: Record<string, string>;
  foreignSecret?: string[];
  secretKeys?: string[];
}

function validate(env: Environment, change: Change = {}) {
  const values = { ...baseValues(env), ...(change.set ?? {}) };
  for (const k of change.unset ?? []) delete values[k];
  const raw: RawConfig = {
    project: "engram-infra",
    stack: env,
    values,
    secretKeys: change.secretKeys ?? ["azureAiKey"],
    foreign: { values: change.foreign ?? {}, secretKeys: change.foreignSecret ?? [] },
  };
  return validateConfig(raw);
}

function problems(env: Environment, change: Change): string[] {
  const r = validate(env, change);
  if (r.ok) throw new Error(`expected ${JSON.stringify(change)} to be refused in ${env}`);
  return r.problems;
}

function accepted(env: Environment, change: Change) {
  const r = validate(env, change);
  if (!r.ok) throw new Error(`expected acceptance in ${env}:\n${r.problems.join("\n")}`);
  return r.config;
}

describe("keys outside the engram namespace", () => {
  it("GIVEN the project's default namespace (pulumi config set without a namespace) THEN refused, pointing at engram:<key>", () => {
    expect(problems("dev", { foreign: { "engram-infra:allowDevTokens": "false" } })).toEqual([
      "engram-infra:allowDevTokens is not a known setting: it is in the project's default namespace engram-infra, which this program does not read (`pulumi config set` without a namespace writes there); did you mean engram:allowDevTokens? move it: `pulumi config rm engram-infra:allowDevTokens`, then `pulumi config set engram:allowDevTokens <value>`",
    ]);
  });

  it("GIVEN a misspelt namespace THEN refused with the key it meant", () => {
    expect(problems("prod", { foreign: { "engrm:waf": "true" } })).toEqual([
      "engrm:waf is not a known setting: this program does not read namespace engrm; did you mean engram:waf?",
    ]);
    expect(problems("dev", { foreign: { "azure-nativ:location": "westeurope" } })).toEqual([
      "azure-nativ:location is not a known setting: this program does not read namespace azure-nativ; did you mean azure-native:location?",
    ]);
  });

  it("GIVEN a key with no namespace THEN refused with the engram key it meant", () => {
    expect(problems("dev", { foreign: { waf: "true" } })).toEqual([
      "waf is not a known setting: a config key is <namespace>:<name>, so this one is never read; did you mean engram:waf? set it with `pulumi config set engram:waf <value>`",
    ]);
  });

  it("GIVEN a namespace far from any the program reads THEN refused, naming the ones it reads", () => {
    expect(problems("dev", { foreign: { "aws:region": "us-east-1" } })).toEqual([
      "aws:region is not a known setting: this program does not read namespace aws (it reads engram, pulumi and the providers azure-native, azuread, random, time, tls); remove it or fix its namespace",
    ]);
  });

  it("GIVEN a misspelt provider setting THEN refused with did-you-mean and the provider's settings", () => {
    expect(problems("dev", { foreign: { "tls:proxi": "http://proxy" } })).toEqual([
      "tls:proxi is not a known setting of the tls provider: did you mean tls:proxy? (its settings: proxy)",
    ]);
    expect(problems("dev", { foreign: { "random:seed": "1" } })).toEqual([
      "random:seed is not a known setting of the random provider: remove it or fix its spelling (it takes no settings)",
    ]);
  });

  it("GIVEN real provider and engine settings THEN accepted", () => {
    accepted("dev", {
      foreign: {
        "azure-native:location": "westeurope",
        "azure-native:subscriptionId": "5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59",
        "azuread:tenantId": GUID,
        "azure-native:clientSecret": "ciphertext-decrypted-at-run-time",
        "pulumi:disable-default-providers": '["aws"]',
      },
      foreignSecret: ["azure-native:clientSecret"],
    });
  });

  it("GIVEN azure-native:location and engram:location that differ THEN refused", () => {
    expect(problems("dev", { foreign: { "azure-native:location": "northeurope" } })).toEqual([
      "engram:location=westeurope is not allowed in dev: it differs from azure-native:location=northeurope; resources that take the provider's default region would land elsewhere (set both to the same region, or remove azure-native:location)",
    ]);
  });

  it("GIVEN an empty provider setting THEN refused", () => {
    expect(problems("uat", { foreign: { "azuread:tenantId": "" } })).toEqual([
      "azuread:tenantId is empty in uat: an empty value is not a value; set one, or remove the key with `pulumi config rm azuread:tenantId`",
    ]);
  });

  // The table is what the installed providers take; an SDK upgrade that changes it fails here.
  it.each([
    ["azure-native", "@pulumi/azure-native/config"],
    ["azuread", "@pulumi/azuread/config"],
    ["tls", "@pulumi/tls/config"],
  ])("GIVEN the installed %s package THEN PROVIDER_CONFIG_KEYS lists exactly its config keys", (ns, mod) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const installed = Object.keys(require(mod) as object).sort(byCodePoint);
    expect([...PROVIDER_CONFIG_KEYS[ns]].sort(byCodePoint)).toEqual(installed);
  });
});

describe("credentials in plain text, in every namespace, never quoted", () => {
  const SECRET = "Zq8~plain-client-secret-value";

  it("GIVEN a provider's clientSecret stored plain THEN refused without the value", () => {
    const p = problems("dev", { foreign: { "azure-native:clientSecret": SECRET } });
    expect(p).toEqual([
      "azure-native:clientSecret=[plain text] is not allowed in dev: credentials are stored encrypted; set it with `pulumi config set --secret azure-native:clientSecret <value>` (SOP 002: no secrets in plain text)",
    ]);
  });

  it.each([
    ["azuread:clientCertificatePassword", "hunter2-hunter2"],
    ["azure-native:oidcToken", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig"],
    ["azuread:clientCertificate", "MIIKJQIBAzCCCe8GCSqGSIb3DQEHAaCCCeAEggncMIIJ2DCCBg8GCSqGSIb3"],
  ])("GIVEN %s stored plain THEN refused without the value", (key, value) => {
    const p = problems("prod", { foreign: { [key]: value } });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      new RegExp(`^${key}=\\[plain text\\] is not allowed in prod: credentials are stored encrypted`),
    );
    expect(p.join("\n")).not.toContain(value);
  });

  it("GIVEN paths and ids that only name where a credential is THEN accepted", () => {
    accepted("dev", {
      foreign: { "azure-native:clientCertificatePath": "/etc/ssl/client.pfx", "azuread:clientId": GUID },
    });
  });

  it("GIVEN a private key pasted into a plain engram setting THEN refused without quoting it, and the value is hidden from every other message", () => {
    const pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretmaterial\n-----END RSA PRIVATE KEY-----";
    const p = problems("dev", { set: { nameSuffix: pem, registry: "x y" } });
    expect(p).toEqual([
      "engram:nameSuffix=[plain text] is not allowed in dev: the value looks like a credential (a private key, a token or a connection string with a key); engram:nameSuffix is not a secret setting, and credentials are stored encrypted; set it with `pulumi config set --secret engram:<secret setting> <value>` (SOP 002: no secrets in plain text)",
      "engram:registry=x y is not allowed in dev: an ACR resource id (/subscriptions/.../registries/<name>) or a registry login server such as ghcr.io",
    ]);
  });

  it("GIVEN a storage connection string under a foreign key whose name looks harmless THEN refused without the value", () => {
    const cs = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0a2V5bWF0ZXJpYWw=;";
    const p = problems("dev", { foreign: { "azure-native:partnerId": cs } });
    expect(p).toEqual([
      "azure-native:partnerId=[plain text] is not allowed in dev: credentials are stored encrypted; set it with `pulumi config set --secret azure-native:partnerId <value>` (SOP 002: no secrets in plain text)",
    ]);
  });
});

describe("empty is not a value", () => {
  it("GIVEN a required key left empty THEN refused as empty (not as a region named null)", () => {
    expect(problems("dev", { set: { location: "" } })).toEqual([
      "engram:location is empty in dev: the Azure region is required; set it with `pulumi config set engram:location <value>`",
    ]);
  });

  it("GIVEN an optional key left empty THEN refused, never the default quietly applied", () => {
    expect(problems("dev", { set: { nameSuffix: "" } })).toEqual([
      "engram:nameSuffix is empty in dev: an empty value is not a value; set one, or remove the key with `pulumi config rm engram:nameSuffix` to use the default",
    ]);
    expect(problems("uat", { set: { waf: "  " } })).toEqual([
      "engram:waf is empty in uat: an empty value is not a value; set one, or remove the key with `pulumi config rm engram:waf` to use the default",
    ]);
  });

  it("GIVEN an object key that is null THEN refused as empty", () => {
    expect(problems("prod", { set: { tags: "null" } })).toEqual([
      "engram:tags is empty in prod: owner and costCenter tags are required on every resource; set it with `pulumi config set --path engram:tags.<owner|costCenter> <value>`",
    ]);
  });

  it("GIVEN an empty environment THEN refused as empty", () => {
    expect(problems("dev", { set: { environment: "" } })).toEqual([
      "engram:environment is empty in stack dev: the environment selects the matrix row: one of dev, test, uat, staging, prod; set it with `pulumi config set engram:environment <value>`",
    ]);
  });

  it("GIVEN a field of an object that is null THEN a type error that says so", () => {
    expect(problems("dev", { set: { tags: JSON.stringify({ owner: null, costCenter: "CC-1" }) } })).toEqual([
      "engram:tags.owner=null is not allowed in dev: expected a string, got null",
    ]);
  });
});

describe("type errors name the expected type and what was given", () => {
  it.each([
    [
      { alertThresholds: JSON.stringify({ authFailures: "50" }) },
      'engram:alertThresholds.authFailures=50 is not allowed in dev: expected a whole number, got the string "50"',
    ],
    [
      { alertThresholds: JSON.stringify({ secretReads: true }) },
      "engram:alertThresholds.secretReads=true is not allowed in dev: expected a whole number, got the boolean true",
    ],
    [
      { frontendOrigins: JSON.stringify("https://a.example") },
      'engram:frontendOrigins=https://a.example is not allowed in dev: expected a list, got the string "https://a.example" (frontendOrigins is a list of https origins)',
    ],
    [
      { tags: JSON.stringify(["owner"]) },
      'engram:tags=["owner"] is not allowed in dev: expected an object, got a list (tags is an object {"owner": "...", "costCenter": "..."})',
    ],
  ])("GIVEN %j THEN the exact message", (set, message) => {
    expect(problems("dev", { set })).toEqual([message]);
  });
});

describe("Azure's limits and shapes", () => {
  it("GIVEN a tag value over 256 characters THEN refused (Azure's limit)", () => {
    const long = "o".repeat(257);
    expect(problems("dev", { set: { tags: JSON.stringify({ owner: long, costCenter: "CC-1" }) } })).toEqual([
      `engram:tags.owner=${long} is not allowed in dev: an Azure tag value is at most 256 characters`,
    ]);
    accepted("dev", { set: { tags: JSON.stringify({ owner: "o".repeat(256), costCenter: "CC-1" }) } });
  });

  it.each([
    ["https://app.example.com:99999", "the port 99999 is not a TCP port (1-65535)"],
    ["https://app.example.com:0", "the port 0 is not a TCP port (1-65535)"],
    ["https://app.example.com:0443", "the port 0443 is not a TCP port (1-65535)"],
    [
      "https://app.example.com:443",
      "leave out the default port 443: browsers send the origin as https://app.example.com, which would never match",
    ],
    [
      `https://${"a".repeat(64)}.example.com`,
      "a host name is at most 253 characters, each label at most 63 (DNS)",
    ],
  ])("GIVEN the frontend origin %s THEN refused", (origin, rule) => {
    expect(problems("prod", { set: { frontendOrigins: JSON.stringify([origin]) } })).toEqual([
      `engram:frontendOrigins[0]=${origin} is not allowed in prod: ${rule}`,
    ]);
  });

  it("GIVEN a dev origin with an impossible port THEN refused", () => {
    expect(problems("dev", { set: { devOrigins: JSON.stringify(["http://localhost:70000"]) } })).toEqual([
      "engram:devOrigins[0]=http://localhost:70000 is not allowed in dev: the port 70000 is not a TCP port (1-65535)",
    ]);
    accepted("dev", { set: { frontendOrigins: JSON.stringify(["https://app.example.com:8443"]) } });
  });

  it("GIVEN a /8 allowlist entry THEN refused, as the rule's words say (narrower than /8)", () => {
    expect(problems("dev", { set: { adminIpAllowlist: JSON.stringify(["10.0.0.0/8"]) } })).toEqual([
      "engram:adminIpAllowlist[0]=10.0.0.0/8 is not allowed in dev: an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
    ]);
    accepted("dev", { set: { adminIpAllowlist: JSON.stringify(["10.0.0.0/9"]) } });
  });

  it("GIVEN two alert e-mails that differ only in punctuation THEN both are kept with different receiver names", () => {
    const emails = ["a.b@engram.example", "a-b@engram.example", "a_b@engram.example"];
    const config = accepted("prod", { set: { alertEmails: JSON.stringify(emails) } });
    expect(config.alertEmails).toEqual(emails);
    const names = emails.map(emailReceiverName);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).toMatch(/^email-a-b-engram-example-[0-9a-f]{6}$/);
    expect(emailReceiverName("A.B@Engram.example")).toBe(names[0]);
    expect(emailReceiverName(`${"x".repeat(200)}@engram.example`).length).toBeLessThanOrEqual(128);
  });

  it("GIVEN repeated list entries THEN each repeat is refused, naming the first", () => {
    expect(
      problems("prod", {
        set: {
          alertEmails: JSON.stringify(["oncall@engram.example", "OnCall@engram.example"]),
          frontendOrigins: JSON.stringify(["https://app.example.com", "https://app.example.com"]),
          adminIpAllowlist: JSON.stringify(["203.0.113.9", "203.0.113.9/32"]),
        },
      }),
    ).toEqual([
      "engram:frontendOrigins[1]=https://app.example.com is not allowed in prod: it repeats frontendOrigins[0]; list each once",
      "engram:adminIpAllowlist[1]=203.0.113.9/32 is not allowed in prod: it repeats adminIpAllowlist[0] (the same network; a bare address is a /32); list each once",
      "engram:alertEmails[1]=OnCall@engram.example is not allowed in prod: it repeats alertEmails[0] (e-mail addresses are compared without case); list each once",
    ]);
  });
});

describe("more shapes Azure and the SOPs refuse", () => {
  it.each([
    ["https://user:pass@ais.example.com/", "https://user:pass@ais.example.com/"],
    ["https://ais.example.com/?sig=abc", "https://ais.example.com/?sig=abc"],
  ])("GIVEN the AI endpoint %s THEN refused (no credentials in URLs)", (endpoint, shown) => {
    const ai = JSON.stringify({
      accountId:
        "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ais-engram",
      endpoint,
    });
    expect(problems("dev", { set: { ai } })).toEqual([
      `engram:ai.endpoint=${shown} is not allowed in dev: an https URL with no user name, password, query or fragment (credentials are Key Vault secrets)`,
    ]);
  });

  it("GIVEN a registry login server with an impossible port THEN refused", () => {
    expect(problems("dev", { set: { registry: "ghcr.io:99999" } })).toEqual([
      "engram:registry=ghcr.io:99999 is not allowed in dev: the port 99999 is not a TCP port (1-65535)",
    ]);
    expect(accepted("dev", { set: { registry: "registry.example.com:5000" } }).registry).toEqual({
      loginServer: "registry.example.com:5000",
    });
  });

  it("GIVEN a tag value with a newline THEN refused, and the message shows it escaped", () => {
    expect(problems("dev", { set: { tags: JSON.stringify({ owner: "a\nb", costCenter: "CC-1" }) } })).toEqual(
      ["engram:tags.owner=a\\nb is not allowed in dev: a tag value holds no control or invisible characters"],
    );
  });

  it("GIVEN a very long value THEN the message shows its start and its length, not all of it", () => {
    const long = "x".repeat(5000);
    const [p] = problems("dev", { set: { location: long } });
    expect(p).toBe(
      `engram:location=${"x".repeat(300)}... (5000 characters) is not allowed in dev: an Azure region name such as westeurope`,
    );
  });
});

describe("keys and values a user may mistype", () => {
  it("GIVEN a key with a trailing blank THEN the message quotes it, so the blank shows", () => {
    expect(problems("prod", { set: { "waf ": "true" } })).toEqual([
      '"engram:waf " is not a known setting: did you mean engram:waf? (known settings are listed in README.md)',
    ]);
  });

  it("GIVEN a key far from every setting THEN no far-fetched did-you-mean", () => {
    expect(problems("dev", { foreign: { "123": "x" } })).toEqual([
      "123 is not a known setting: a config key is <namespace>:<name>, so this one is never read; this program's settings are engram:<key> (listed in README.md)",
    ]);
  });

  it("GIVEN a number with blanks around it THEN refused (it would reach Azure as written elsewhere)", () => {
    expect(problems("dev", { set: { zepKeyRotationDays: " 7 " } })).toEqual([
      "engram:zepKeyRotationDays= 7  is not allowed in dev: the value is a number of days",
    ]);
  });

  it.each([
    [
      "location",
      '["westeurope"]',
      'engram:location=["westeurope"] is not allowed in prod: expected a single value, got a list',
    ],
    [
      "waf",
      '{"enabled":true}',
      'engram:waf={"enabled":true} is not allowed in prod: expected true or false, got an object',
    ],
    [
      "logRetentionDays",
      "[365]",
      "engram:logRetentionDays=[365] is not allowed in prod: expected a whole number of days, got a list",
    ],
  ])("GIVEN %s set to a structure THEN a type error, not the value's rule", (key, value, message) => {
    expect(problems("prod", { set: { [key]: value } })).toEqual([message]);
  });

  it("GIVEN a list key set as a plain string (pulumi config set without --path) THEN told how to set the list", () => {
    expect(problems("prod", { set: { retiredAppRoles: "PM" } })).toEqual([
      "engram:retiredAppRoles=PM is not allowed in prod: expected a list, got the string \"PM\"; set it with `pulumi config set --path 'engram:retiredAppRoles[0]' <value>`",
    ]);
  });

  it("GIVEN a stack file whose aliases expand without end THEN refused as a stack file, not an I/O error", () => {
    const laughs = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "config:",
      "  engram:tags: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "",
    ].join("\n");
    expect(() => parseStackFile(laughs, "Pulumi.x.yaml")).toThrow(
      new StackFileError("Pulumi.x.yaml: aliases expand to too many values; write the values out"),
    );
  });
});

describe("control characters are escaped in every message", () => {
  it("GIVEN a value with a newline THEN it cannot forge a second message line", () => {
    const p = problems("dev", { set: { location: "westeurope\n- engram:waf=true is accepted" } });
    expect(p).toEqual([
      "engram:location=westeurope\\n- engram:waf=true is accepted is not allowed in dev: an Azure region name such as westeurope",
    ]);
    expect(p.join("")).not.toContain("\n");
  });

  it("GIVEN terminal escape sequences in a value and in a key THEN they are written as \\u001b", () => {
    const p = problems("dev", {
      set: { registry: "\u001b[31mred\u001b[0m" },
      foreign: { "x\u001b[2J:y": "1" },
    });
    expect(p.join("")).not.toContain(String.fromCharCode(27));
    expect(p).toContain(
      "engram:registry=\\u001b[31mred\\u001b[0m is not allowed in dev: an ACR resource id (/subscriptions/.../registries/<name>) or a registry login server such as ghcr.io",
    );
  });

  it("GIVEN escapeText THEN newlines, tabs, C0/C1 controls, DEL and bidi marks are escaped, other text is kept", () => {
    expect(escapeText("a\nb\tc\rd\u0000e\u007ff\u009bg\u202eh\u2028i ü é 日本")).toBe(
      "a\\nb\\tc\\rd\\u0000e\\u007ff\\u009bg\\u202eh\\u2028i ü é 日本",
    );
  });
});

describe("the stack-file reader", () => {
  const read = (text: string) => parseStackFile(text, "Pulumi.x.yaml");
  const refusal = (text: string): string => {
    try {
      read(text);
    } catch (err) {
      expect(err).toBeInstanceOf(StackFileError);
      return (err as Error).message;
    }
    throw new Error("expected a refusal");
  };

  it("GIVEN a YAML error on a line holding a secret THEN the message gives the position, never the line", () => {
    const message = refusal(
      "config:\n  engram:azureAiKey: [sk-live-DO-NOT-PRINT\n  engram:location: westeurope\n",
    );
    expect(message).toBe(
      "Pulumi.x.yaml is not valid YAML at line 3, column 3: the indentation is wrong or a bracket is not closed",
    );
    expect(message).not.toContain("sk-live");
  });

  it("GIVEN a key given twice THEN refused with its position", () => {
    expect(refusal("config:\n  engram:waf: true\n  engram:waf: false\n")).toBe(
      "Pulumi.x.yaml is not valid YAML at line 3, column 3: a key is given twice",
    );
  });

  it("GIVEN merge keys THEN they are merged as Pulumi's reader merges them, explicit keys winning", () => {
    const f = read(
      [
        "config:",
        "  engram:tags:",
        "    <<: &base",
        "      owner: team@engram.example",
        "      costCenter: CC-1",
        "    costCenter: CC-2",
        "  engram:groups:",
        "    <<: {dba: " + GUID + "}",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(f.values["engram:tags"])).toEqual({ owner: "team@engram.example", costCenter: "CC-2" });
    expect(JSON.parse(f.values["engram:groups"])).toEqual({ dba: GUID });
  });

  it.each([
    ["0x10", 2],
    ["0123", 2],
    ["1e3", 2],
    [".inf", 2],
    ["1.50", 2],
  ])("GIVEN the number %s THEN refused (YAML readers disagree on it), with its position", (n, line) => {
    expect(refusal(`config:\n  engram:keyVaultRetentionDays: ${n}\n`)).toBe(
      `Pulumi.x.yaml at line ${line}, column 33: a number is written in a form YAML readers disagree on (hex, octal, leading or trailing zeros, an exponent, infinity); write it in plain decimal, or in quotes if it is text`,
    );
  });

  it("GIVEN plain decimals, quoted numbers and booleans THEN they read as Pulumi hands them over", () => {
    const f = read(
      'config:\n  engram:keyVaultRetentionDays: 30\n  engram:nameSuffix: "0123"\n  engram:waf: true\n',
    );
    expect(f.values).toEqual({
      "engram:keyVaultRetentionDays": "30",
      "engram:nameSuffix": "0123",
      "engram:waf": "true",
    });
  });

  it("GIVEN null or empty values THEN they read as empty, never as the text null", () => {
    expect(read("config:\n  engram:location:\n  engram:nameSuffix: ~\n").values).toEqual({
      "engram:location": "",
      "engram:nameSuffix": "",
    });
  });

  it("GIVEN a misspelt top-level key THEN refused, naming the keys a stack file has", () => {
    expect(refusal("cofig:\n  engram:waf: true\n")).toBe(
      'Pulumi.x.yaml: unknown top-level key "cofig"; a stack file has config, secretsprovider, encryptedkey, encryptionsalt, environment',
    );
  });

  it("GIVEN a custom tag or several documents THEN refused", () => {
    expect(refusal("config:\n  engram:waf: !secret true\n")).toBe(
      "Pulumi.x.yaml is not valid YAML at line 2, column 15: a custom tag (!...) is not supported in a stack file",
    );
    expect(refusal("config: {}\n---\nconfig: {}\n")).toMatch(
      /^Pulumi\.x\.yaml is not valid YAML at line 2, column 1: the file holds several YAML documents/,
    );
  });

  it("GIVEN a secure value nested in an object THEN the whole key is secret and the ciphertext is not kept", () => {
    const f = read("config:\n  engram:tags:\n    owner: {secure: v1:AAAAciphertext}\n    costCenter: CC-1\n");
    expect(f.secretKeys).toEqual(["engram:tags"]);
    expect(f.encrypted).toEqual(["engram:tags"]);
    expect(f.values["engram:tags"]).not.toContain("ciphertext");
  });

  it("GIVEN ESC environments THEN refused (they cannot be resolved offline)", () => {
    expect(refusal("environment:\n  - engram/prod\nconfig: {}\n")).toBe(
      'Pulumi.x.yaml: "environment" imports Pulumi ESC environments, which cannot be resolved offline; the offline plan would not see their values',
    );
  });
});
