/**
 * The one TLS decision for every connection flip-db makes to PostgreSQL (the
 * boot's wait and migration check, the schema engine, the seed's Prisma
 * client, the doctor): the URL's libpq parameters (`sslmode`, `sslrootcert`,
 * `sslcert`, `sslkey`) read with libpq's meaning, which is what Prisma
 * documents, and handed to pg as an explicit `ssl` option. pg never sees the
 * parameters themselves: it would read `sslmode=require` with its own meaning
 * (verify everything) and print a multi-line warning about it.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

import { ConfigError } from "../config/ConfigError.js";

/** The URL's TLS parameters: libpq's, and pg's own `ssl` and `uselibpqcompat`. Removed before pg reads the URL. */
const TLS_PARAMETERS = /([?&])(?:ssl[a-z]*|uselibpqcompat)=[^&#]*/gi;

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
type SslMode = (typeof SSL_MODES)[number];

/** libpq's `sslrootcert=system`: the platform's trust store, which is Node's own here. */
const SYSTEM_ROOTS = "system";

/** What pg is given for `ssl`: no TLS, or Node's TLS options. */
export type SslOption = false | ConnectionOptions;

/** The URL's query parameters, decoded; the last of a repeated one wins, as in libpq. */
function parametersOf(url: string): URLSearchParams {
  const query = url.split("#")[0]!.split("?").slice(1).join("?");
  return new URLSearchParams(query);
}

/** The mode the URL asks for. No sslmode: `ssl=true` or an sslrootcert means verify-full; otherwise no TLS, as pg has always done. */
function modeOf(parameters: URLSearchParams): SslMode {
  const mode = parameters.get("sslmode");
  if (mode !== null && mode !== "") {
    if (!(SSL_MODES as readonly string[]).includes(mode)) {
      throw new ConfigError([`sslmode=${mode} is not a TLS mode: use one of ${SSL_MODES.join(", ")}`]);
    }
    return mode as SslMode;
  }
  const ssl = parameters.get("ssl");
  if (ssl === "true" || ssl === "1" || (parameters.get("sslrootcert") ?? "") !== "") return "verify-full";
  return "disable";
}

/** The file a parameter names, read now, so a wrong path stops the program before it connects. */
function fileOf(parameters: URLSearchParams, name: "sslrootcert" | "sslcert" | "sslkey"): string | undefined {
  const path = parameters.get(name);
  if (path === null || path === "" || (name === "sslrootcert" && path === SYSTEM_ROOTS)) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([`${name} ${path} cannot be read (${code}): give the path of a PEM file this process may read`], {
      cause: error,
    });
  }
}

/** Accepts any host name: verify-ca and require check the CA, not the name. */
const anyHost = (): undefined => undefined;

/**
 * pg's `ssl` option for `url`, with libpq's meaning:
 * - disable: no TLS. allow: no TLS (libpq's first try; pg cannot fall back).
 * - prefer, require: encrypted, the certificate not checked; with an sslrootcert, its CA is checked, as libpq does.
 *   (prefer is libpq's first try too: a server without TLS fails rather than fall back.)
 * - verify-ca: encrypted, signed by the CA in sslrootcert (Node's trusted CAs without one); any host name.
 * - verify-full: as verify-ca, and the certificate must name the host in the URL.
 * `sslcert` and `sslkey` give a client certificate. Throws ConfigError for an unknown
 * sslmode or a file that cannot be read.
 */
export function sslOptionOf(url: string): SslOption {
  const parameters = parametersOf(url);
  const mode = modeOf(parameters);
  if (mode === "disable" || mode === "allow") return false;
  const rootCertificate = fileOf(parameters, "sslrootcert");
  const hasRoot = (parameters.get("sslrootcert") ?? "") !== "";
  const client = { cert: fileOf(parameters, "sslcert"), key: fileOf(parameters, "sslkey") };
  const clientOptions = Object.fromEntries(Object.entries(client).filter(([, value]) => value !== undefined));
  const trusted = rootCertificate === undefined ? {} : { ca: rootCertificate };
  if ((mode === "prefer" || mode === "require") && !hasRoot) return { ...clientOptions, rejectUnauthorized: false };
  if (mode === "verify-full") return { ...clientOptions, ...trusted, rejectUnauthorized: true };
  return { ...clientOptions, ...trusted, rejectUnauthorized: true, checkServerIdentity: anyHost };
}

/** `url` without its TLS parameters: what pg's own parser may read. */
export function withoutTlsParameters(url: string): string {
  return url.replace(TLS_PARAMETERS, "$1");
}
