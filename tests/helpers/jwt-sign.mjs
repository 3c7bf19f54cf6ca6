// Test tokens for `npm run validate`'s tests, signed with jose (ESM-only, so its own Node process;
// jest starts it, tests/helpers/fake-azure.ts): reads {"tokens": {name: claims}} on stdin, makes a
// fresh RS256 key pair (kid "test-key") and prints {"jwks": {...}, "tokens": {name: jwt}} and one
// token signed by another key ("foreign", same claims as the first) that the JWKS cannot verify.
import { exportJWK, generateKeyPair, SignJWT } from "jose";

const input = JSON.parse(
  await new Promise((resolve) => {
    let s = "";
    process.stdin.on("data", (d) => (s += d));
    process.stdin.on("end", () => resolve(s));
  }),
);

const sign = (claims, key, kid) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);

const { publicKey, privateKey } = await generateKeyPair("RS256");
const other = await generateKeyPair("RS256");
const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", use: "sig", alg: "RS256" };
const tokens = {};
for (const [name, claims] of Object.entries(input.tokens))
  tokens[name] = await sign(claims, privateKey, "test-key");
const first = Object.values(input.tokens)[0];
tokens.foreign = await sign(first, other.privateKey, "test-key");
process.stdout.write(JSON.stringify({ jwks: { keys: [jwk] }, tokens }));
