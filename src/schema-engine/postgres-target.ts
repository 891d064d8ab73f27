import type { ClientConfig } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

import { locateDatabase } from "../shared/postgres/location.js";

/** A Postgres database to connect to, as discrete pg fields plus Prisma's `?schema=`. */
export interface PostgresTarget {
  client: ClientConfig;
  /** Prisma's `schema` URL parameter; `undefined` means `public`. */
  schema?: string;
  /** `host:port`, for messages. Never holds credentials. */
  location: string;
  database: string;
}

/** Reads a `postgresql://` URL the way Prisma does, keeping the password out of every message. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new Error(`The database URL must start with postgresql:// (got ${parsed.protocol}//).`);
  }
  const client = parseIntoClientConfig(url);
  const { location, database } = locateDatabase(url);
  return { client, schema: parsed.searchParams.get("schema") ?? undefined, location, database };
}
