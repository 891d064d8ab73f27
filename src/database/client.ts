import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "../generated/prisma/client.js";
import { secretsOfUrl } from "../shared/logging.js";
import { clientConfigOf, locateDatabase } from "../shared/postgres/location.js";

/** What a client knows of where it connects, beyond Prisma: for the seed's lines, and what they must never hold. */
export interface DatabaseConnection {
  /** The server's host and port (or Unix socket directory): never the user or password. */
  readonly location: string;
  /** The URL's password, as written and decoded: scrubbed from every line the seed logs. */
  readonly secrets: readonly string[];
}

/** A Prisma client for flip-db's schema: what `connectDatabase` returns and the seed's functions take. */
export type FlipDatabase = PrismaClient & { readonly connection: DatabaseConnection };

/** How the seed's connection shows in `pg_stat_activity`. */
export const SEED_APPLICATION_NAME = "flip-db-seed";

/** How long to wait for PostgreSQL to accept the connection, unless told otherwise. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface DatabaseOptions {
  /** How long to wait for PostgreSQL to accept the connection (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * A Prisma client on one pg connection: the seed's work is one transaction,
 * so a pool would only cost start-up time. Nothing connects until the first
 * query (or `$connect()`).
 *
 * The URL's `?schema=` (`public` when unset) goes to the adapter, which has
 * Prisma name every table with it: no search_path, so nothing depends on
 * session state a transaction-mode pooler would not keep, and no startup
 * parameter, which PgBouncer would refuse.
 *
 * TLS is the URL's `sslmode`/`sslrootcert`/`sslcert`/`sslkey`, with libpq's
 * meaning (docs/tls.md); throws ConfigError for an unknown sslmode or a TLS
 * file that cannot be read.
 */
export function connectDatabase(url: string, options: DatabaseOptions = {}): FlipDatabase {
  const { location, schema } = locateDatabase(url);
  const client = new PrismaClient({
    adapter: new PrismaPg(
      {
        // Discrete fields with an explicit `ssl` (shared/postgres/tls.ts): pg would read sslmode its own way.
        ...clientConfigOf(url),
        max: 1,
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        // Names the seed in pg_stat_activity, unless the URL sets application_name itself.
        fallback_application_name: SEED_APPLICATION_NAME,
      },
      { schema },
    ),
  });
  const connection: DatabaseConnection = { location, secrets: secretsOfUrl(url) };
  return Object.defineProperty(client, "connection", { value: connection, enumerable: false }) as FlipDatabase;
}
