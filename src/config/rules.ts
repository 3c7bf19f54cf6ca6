import { parseCidr } from "../../lib/cidr";
import { emailReceiverName } from "../../lib/naming";
import { decide, LOWER_ENVIRONMENTS } from "../matrix";
import type { Overrides, Working } from "./checks";
import { missing, notAllowed } from "./messages";
import { DIGEST, Parsed } from "./schema";
import { AppRoleValue, GroupKey, ImageService, IMAGE_KEYS, ValidatedConfig } from "./types";

/**
 * The rules that combine a value with the environment or with another key, each run on the values
 * its schema accepted.
 */

/**
 * The provider's default region and the program's region must agree, or resources that take the
 * provider's default would land elsewhere.
 */
export function checkProviderLocation(w: Working, parsed: Parsed): void {
  const providerLocation = w.raw.foreign?.values["azure-native:location"];
  if (
    parsed.location !== undefined &&
    providerLocation !== undefined &&
    providerLocation.trim() !== "" &&
    providerLocation !== parsed.location
  )
    w.problems.push(
      notAllowed(
        "location",
        parsed.location,
        w.env,
        `it differs from azure-native:location=${providerLocation}; resources that take the provider's default region would land elsewhere (set both to the same region, or remove azure-native:location)`,
      ),
    );
}

/** A list the matrix requires where `required`: refused when missing, or when set but empty. */
export function requiredList(
  w: Working,
  parsed: Parsed,
  key: "frontendOrigins" | "alertEmails",
  required: boolean,
  rule: string,
): void {
  if (!required) return;
  if (w.values[key] === undefined) w.problems.push(missing(key, w.env, rule));
  else if (Array.isArray(parsed[key]) && parsed[key].length === 0)
    w.problems.push(notAllowed(key, [], w.env, rule));
}

/** Each list names a thing once: a repeated entry is refused, never silently merged. */
export function noRepeats(
  w: Working,
  key: string,
  list: readonly string[],
  same: (v: string) => string,
  how: string,
): void {
  const first = new Map<string, number>();
  list.forEach((v, i) => {
    const k = same(v);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else
      w.problems.push(notAllowed(`${key}[${i}]`, v, w.env, `it repeats ${key}[${j}]${how}; list each once`));
  });
}

/** The admin allowlist: IPv4 addresses or CIDRs narrower than /8, each network once. */
export function checkAllowlist(w: Working, parsed: Parsed): void {
  const { env, problems } = w;
  const allowlist = (parsed.adminIpAllowlist as string[] | undefined) ?? [];
  allowlist.forEach((c, i) => {
    const k = `adminIpAllowlist[${i}]`;
    const cidr = parseCidr(c);
    if (!cidr) problems.push(notAllowed(k, c, env, "an IPv4 address or CIDR with no host bits set"));
    else if (cidr.prefix <= 8)
      problems.push(
        notAllowed(
          k,
          c,
          env,
          "an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        ),
      );
  });
  noRepeats(
    w,
    "adminIpAllowlist",
    allowlist,
    (c) => {
      const cidr = parseCidr(c);
      return cidr ? `${cidr.base}/${cidr.prefix}` : c;
    },
    " (the same network; a bare address is a /32)",
  );
}

/** Images are pinned by digest where the matrix says so. */
export function checkImages(w: Working, parsed: Parsed): void {
  const { env, fixed, problems } = w;
  const images = parsed.images as Record<ImageService, string> | undefined;
  if (images && fixed.imageDigestRequired)
    for (const s of IMAGE_KEYS)
      if (!DIGEST.test(images[s]))
        problems.push(
          notAllowed(
            `images.${s}`,
            images[s],
            env,
            "images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)",
          ),
        );
}

/** The registry: an ACR's resource id (its login server derived) or another registry's login server. */
export function parseRegistry(w: Working, parsed: Parsed): ValidatedConfig["registry"] {
  const { env, problems } = w;
  let registry: ValidatedConfig["registry"];
  if (parsed.registry !== undefined) {
    const r = parsed.registry as string;
    const acr =
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/([a-zA-Z0-9]{5,50})$/i.exec(
        r,
      );
    const port = /:(\d+)$/.exec(r)?.[1];
    if (acr) registry = { acrId: r, loginServer: `${acr[1].toLowerCase()}.azurecr.io` };
    else if (port !== undefined && (Number(port) < 1 || Number(port) > 65535 || port.startsWith("0")))
      problems.push(notAllowed("registry", r, env, `the port ${port} is not a TCP port (1-65535)`));
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/.test(r))
      registry = { loginServer: r };
    else
      problems.push(
        notAllowed(
          "registry",
          r,
          env,
          "an ACR resource id (/subscriptions/.../registries/<name>) or a registry login server such as ghcr.io",
        ),
      );
  }
  return registry;
}

/** The groups: the dev group only in dev and test; a dba group wherever Postgres accepts Entra only. */
export function checkGroups(w: Working, parsed: Parsed, overrides: Overrides): void {
  const { env, values, problems } = w;
  const groups = (parsed.groups as Partial<Record<GroupKey, string>> | undefined) ?? {};
  if (groups.dev !== undefined && !LOWER_ENVIRONMENTS.includes(env))
    problems.push(
      notAllowed(
        "groups.dev",
        groups.dev,
        env,
        "the dev group gets Contributor only in dev and test (DESIGN.md §4)",
      ),
    );

  // With password auth off (the matrix decision; always so in uat/staging/prod) the application
  // server accepts Entra only, so without an Entra administrator nobody could create its roles.
  if (
    !decide(env, overrides).postgresPasswordAuth.value &&
    (values.groups === undefined || (parsed.groups !== undefined && groups.dba === undefined))
  )
    problems.push(
      missing(
        "groups.dba",
        env,
        "the application Postgres server accepts Entra only when postgresPasswordAuth is false (always in uat, staging and prod), and groups.dba is its Entra administrator (DESIGN.md §7)",
      ),
    );
}

/** Alert e-mails: each once, each with its own receiver name; required in uat, staging and prod. */
export function checkAlertEmails(w: Working, parsed: Parsed): void {
  const { env, fixed, problems } = w;
  const alertEmails = (parsed.alertEmails as string[] | undefined) ?? [];
  noRepeats(
    w,
    "alertEmails",
    alertEmails,
    (e) => e.toLowerCase(),
    " (e-mail addresses are compared without case)",
  );
  // Receiver names are derived from the addresses; two addresses must never share one.
  const receivers = new Map<string, number>();
  alertEmails.forEach((e, i) => {
    const name = emailReceiverName(e);
    const j = receivers.get(name);
    if (j !== undefined && e.toLowerCase() !== alertEmails[j].toLowerCase())
      problems.push(
        notAllowed(
          `alertEmails[${i}]`,
          e,
          env,
          `its receiver name ${name} is the same as that of alertEmails[${j}]`,
        ),
      );
    else if (j === undefined) receivers.set(name, i);
  });
  requiredList(
    w,
    parsed,
    "alertEmails",
    fixed.alertEmailsRequired,
    "uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring)",
  );
}

/** App roles are retired before they are removed, never both at once. */
export function checkAppRoles(w: Working, parsed: Parsed): void {
  const { env, problems } = w;
  const retired = (parsed.retiredAppRoles as AppRoleValue[] | undefined) ?? [];
  const removed = (parsed.removedAppRoles as AppRoleValue[] | undefined) ?? [];
  noRepeats(w, "retiredAppRoles", retired, (r) => r, "");
  noRepeats(w, "removedAppRoles", removed, (r) => r, "");
  for (const r of removed)
    if (retired.includes(r))
      problems.push(
        notAllowed(
          "removedAppRoles",
          removed,
          env,
          `${r} is listed as both retired and removed; a role is first retired (disabled), deployed, then removed`,
        ),
      );
}
