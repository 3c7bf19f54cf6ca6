import type { Working } from "./checks";
import { notAllowed } from "./messages";
import { noRepeats, requiredList } from "./rules";
import { Parsed } from "./schema";

/**
 * The CORS origins (SOP 001): the frontends' https origins in every environment, and the localhost
 * origins of dev and test.
 */

/** An origin's port: 1-65535, and never the scheme's default (browsers send the origin without it). */
function portProblem(origin: string, scheme: "http" | "https"): string | undefined {
  const m = /:(\d+)$/.exec(origin.slice(scheme.length + 3));
  if (!m) return undefined;
  const port = Number(m[1]);
  if (port < 1 || port > 65535 || m[1].startsWith("0")) return `the port ${m[1]} is not a TCP port (1-65535)`;
  if ((scheme === "https" && port === 443) || (scheme === "http" && port === 80))
    return `leave out the default port ${port}: browsers send the origin as ${origin.slice(0, -m[0].length)}, which would never match`;
  return undefined;
}

/** The frontends' CORS origins: https, no wildcard, no path, a DNS host; required in uat, staging and prod. */
export function checkFrontendOrigins(w: Working, parsed: Parsed): void {
  const { env, fixed, problems } = w;
  const frontendOrigins = (parsed.frontendOrigins as string[] | undefined) ?? [];
  frontendOrigins.forEach((o, i) => {
    const k = `frontendOrigins[${i}]`;
    if (o.includes("*"))
      problems.push(notAllowed(k, o, env, "wildcard origins are never allowed (SOP 001 CORS: no wildcards)"));
    else if (o.startsWith("http://"))
      problems.push(
        notAllowed(
          k,
          o,
          env,
          "frontend origins are https (SOP 001 CORS); localhost origins belong in engram:devOrigins",
        ),
      );
    else if (
      !/^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/.test(o)
    )
      problems.push(
        notAllowed(k, o, env, "an origin is scheme://host[:port] with no path, e.g. https://app.example.com"),
      );
    else if (o.length > "https://".length + 253 || o.split(/[/.:]/).some((label) => label.length > 63))
      problems.push(
        notAllowed(k, o, env, "a host name is at most 253 characters, each label at most 63 (DNS)"),
      );
    else {
      const port = portProblem(o, "https");
      if (port) problems.push(notAllowed(k, o, env, port));
    }
  });
  noRepeats(w, "frontendOrigins", frontendOrigins, (o) => o, "");
  requiredList(
    w,
    parsed,
    "frontendOrigins",
    fixed.frontendOriginsRequired,
    "uat, staging and prod name their frontends (SOP 001 CORS: restrict to env frontends)",
  );
}

/** The localhost origins in force: as set, or the defaults where the matrix allows localhost. */
export function devOriginsOf(w: Working, parsed: Parsed): string[] {
  return (
    (parsed.devOrigins as string[] | undefined) ??
    (w.fixed.localhostOrigins ? ["http://localhost:3000", "http://localhost:5173"] : [])
  );
}

/** Localhost origins: only in dev and test, each http://localhost:PORT or http://127.0.0.1:PORT. */
export function checkDevOrigins(w: Working, parsed: Parsed): void {
  const { env, fixed, problems } = w;
  const devOriginsSet = w.values.devOrigins !== undefined;
  const devOrigins = devOriginsOf(w, parsed);
  if (devOriginsSet && !fixed.localhostOrigins && devOrigins.length > 0)
    problems.push(
      notAllowed(
        "devOrigins",
        devOrigins,
        env,
        "localhost origins are allowed only in dev and test (SOP 001 CORS)",
      ),
    );
  else
    devOrigins.forEach((o, i) => {
      if (o.includes("*"))
        problems.push(
          notAllowed(
            `devOrigins[${i}]`,
            o,
            env,
            "wildcard origins are never allowed (SOP 001 CORS: no wildcards)",
          ),
        );
      else if (!/^http:\/\/(localhost|127\.0\.0\.1):\d{2,5}$/.test(o))
        problems.push(
          notAllowed(
            `devOrigins[${i}]`,
            o,
            env,
            "a dev origin is http://localhost:PORT or http://127.0.0.1:PORT",
          ),
        );
      else {
        const port = portProblem(o, "http");
        if (port) problems.push(notAllowed(`devOrigins[${i}]`, o, env, port));
      }
    });
  if (devOriginsSet) noRepeats(w, "devOrigins", devOrigins, (o) => o, "");
}
