import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * SOP 002 ("never commit secrets to version control") and SOP 000 Validation Checklist ("no
 * PAT/secret in repo"): no tracked file holds a credential. The patterns are the shapes real
 * credentials take; the offline plan's own placeholders are marked PLACEHOLDER and are not secrets.
 */
const ROOT = path.resolve(__dirname, "..");

const PATTERNS: [string, RegExp][] = [
  ["GitHub token", /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}/],
  ["storage account key / connection string", /AccountKey=[A-Za-z0-9+/]{40,}/],
  [
    "PEM private key",
    /-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----\s*\n(?!PLACEHOLDER)[A-Za-z0-9+/]{40,}/,
  ],
  ["Entra client secret", /\b(client[_-]?secret|clientSecret)\s*[:=]\s*["']?[A-Za-z0-9~._-]{30,}/i],
  ["Pulumi access token", /\bpul-[a-f0-9]{40}\b/],
  ["Anthropic / OpenAI style API key", /\bsk-(ant-)?[A-Za-z0-9_-]{32,}/],
];

const SECRET_SETTINGS = ["azureAiKey", "voiceliveApiKey", "anthropicApiKey", "geminiApiKey"];

function trackedFiles(): string[] {
  return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((f) => f.length > 0 && f !== "package-lock.json" && fs.existsSync(path.join(ROOT, f)));
}

describe("no credential is committed", () => {
  const files = trackedFiles();

  it("tracks the project's files (the scan is not empty)", () => {
    expect(files).toEqual(
      expect.arrayContaining(["Pulumi.prod.yaml", "src/config.ts", "bootstrap/Pulumi.example.yaml"]),
    );
  });

  it.each(PATTERNS)("no tracked file contains a %s", (_what, pattern) => {
    const hits = files.filter((f) => pattern.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(hits).toEqual([]);
  });

  it("every Pulumi stack file (program and bootstrap) holds secret settings only as `secure:` values", () => {
    const stackFiles = files.filter((f) => /(^|\/)Pulumi\.[^/]+\.yaml$/.test(f));
    expect(stackFiles.length).toBeGreaterThanOrEqual(6);
    const plain = stackFiles.flatMap((f) =>
      fs
        .readFileSync(path.join(ROOT, f), "utf8")
        .split("\n")
        .filter((line) =>
          SECRET_SETTINGS.some((k) => new RegExp(`^\\s*[\\w-]+:${k}:\\s*(?!\\s*$)(?!.*secure)`).test(line)),
        )
        .map((line) => `${f}: ${line.trim()}`),
    );
    expect(plain).toEqual([]);
  });

  it("the patterns catch what they are meant to catch", () => {
    const samples = [
      `token: ghp_${"a".repeat(36)}`,
      `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${"A".repeat(86)}==`,
      `-----BEGIN PRIVATE KEY-----\n${"M".repeat(64)}\n-----END PRIVATE KEY-----`,
      `client_secret: ${"x".repeat(34)}`,
      `pul-${"a".repeat(40)}`,
      `sk-ant-${"b".repeat(40)}`,
    ];
    PATTERNS.forEach(([, p], i) => expect(p.test(samples[i])).toBe(true));
    expect(
      PATTERNS[2][1].test("-----BEGIN PRIVATE KEY-----\nPLACEHOLDERabc\n-----END PRIVATE KEY-----"),
    ).toBe(false);
  });
});
