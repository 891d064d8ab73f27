/**
 * Where a `postgresql://` URL points, in words for messages: the server's
 * host and port (or its Unix socket directory), the database and Prisma's
 * schema. Never the user or password.
 */
export interface DatabaseLocation {
  /** `host:port`; a Unix socket directory (`?host=/path`) in place of the host. */
  location: string;
  database: string;
  /** Prisma's `?schema=`, `public` when unset: where `_prisma_migrations` lives. */
  schema: string;
}

/** Throws for a string that is not a URL. */
export function locateDatabase(databaseUrl: string): DatabaseLocation {
  const url = new URL(databaseUrl);
  // A Unix socket is named by `?host=/path`, which wins over the URL's host (as in pg).
  const host = url.searchParams.get("host") || url.hostname || "localhost";
  return {
    location: `${host}:${url.port || "5432"}`,
    database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
    schema: url.searchParams.get("schema") || "public",
  };
}

/** The location of `databaseUrl`, or words that say no more when it is no URL at all. */
export function describeLocation(databaseUrl: string | undefined): string {
  try {
    return locateDatabase(databaseUrl ?? "").location;
  } catch {
    return "the configured server";
  }
}
