import type { ClientConfig } from "pg";

import { clientConfigOf, readPostgresUrl } from "../shared/postgres/location.js";

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
  const { schemaParameter, location, database } = readPostgresUrl(url);
  return { client: clientConfigOf(url), schema: schemaParameter, location, database };
}
