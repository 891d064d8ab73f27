/**
 * The one reader of `postgresql://` URLs, on pg's own parser
 * (`pg-connection-string`), so every program reads a URL as pg connects to it:
 * the server (host and port, or its Unix socket directory from `?host=/path`),
 * the database, the user and password, and Prisma's `?schema=`; and, for
 * messages, a location that never holds the user or password.
 */
import type { ClientConfig } from "pg";
import { parse, parseIntoClientConfig } from "pg-connection-string";

import { sslOptionOf, withoutTlsParameters } from "./tls.js";

/** Where a URL points, in words for messages. Never the user or password. */
export interface DatabaseLocation {
  /** `host:port`; a Unix socket directory (`?host=/path`) in place of the host. */
  location: string;
  database: string;
  /** Prisma's `?schema=`, `public` when unset: where `_prisma_migrations` lives. */
  schema: string;
}

/** Everything flip-db reads from a database URL. */
export interface PostgresUrl extends DatabaseLocation {
  /** The server's name or address, or its Unix socket directory; `undefined` when the URL names neither. */
  host: string | undefined;
  port: number;
  user: string | undefined;
  password: string | undefined;
  /** Prisma's `?schema=` as given; `undefined` when unset (the server's search_path decides). */
  schemaParameter: string | undefined;
}

const SCHEME = /^([a-z][a-z0-9+.-]*:)\/\//i;
const DEFAULT_PORT = 5432;

/** A value the URL gave, or `undefined` for one it left out or empty. */
function given(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The host as a location shows it: an IPv6 address keeps its brackets, as in the URL; no host is pg's `localhost`. */
function shownHost(host: string | undefined): string {
  if (host === undefined) return "localhost";
  return host.includes(":") && !host.startsWith("/") ? `[${host}]` : host;
}

/** Reads a `postgresql://` (or `postgres://`) URL; throws, without echoing the URL, for anything else. */
export function readPostgresUrl(url: string): PostgresUrl {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "postgresql:" && scheme !== "postgres:") {
    throw new Error(`The database URL must start with postgresql:// (got ${scheme === undefined ? "no URL" : `${scheme}//`}).`);
  }
  // TLS parameters name files pg would read; what locates the server needs none of them.
  const parsed = parse(withoutTlsParameters(url));
  const host = given(parsed.host);
  const port = Number(given(parsed.port) ?? DEFAULT_PORT);
  const schemaParameter = given(parsed.schema);
  return {
    host,
    port,
    user: given(parsed.user),
    password: given(parsed.password),
    database: given(parsed.database) ?? "postgres",
    schemaParameter,
    schema: schemaParameter ?? "public",
    location: `${shownHost(host)}:${port}`,
  };
}

/** Where `databaseUrl` points; throws for a string that is not a PostgreSQL URL. */
export function locateDatabase(databaseUrl: string): DatabaseLocation {
  const { location, database, schema } = readPostgresUrl(databaseUrl);
  return { location, database, schema };
}

/**
 * pg's connection settings for `url`, as discrete fields, with TLS as
 * `tls.ts` decides (its files read now); throws ConfigError for TLS
 * settings that cannot be used.
 */
export function clientConfigOf(url: string): ClientConfig {
  return { ...parseIntoClientConfig(withoutTlsParameters(url)), ssl: sslOptionOf(url) };
}
