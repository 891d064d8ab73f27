import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "./generated/prisma/client.js";

export type Database = PrismaClient;

/** How the seed's connection shows in `pg_stat_activity`. */
export const SEED_APPLICATION_NAME = "flip-db-seed";

export interface DatabaseOptions {
  /** How long to wait for PostgreSQL to accept the connection. */
  connectTimeoutMs: number;
}

/**
 * A Prisma client on one pg connection: the seed's work is one transaction,
 * so a pool would only cost start-up time.
 */
export function connectDatabase(url: string, options: DatabaseOptions): Database {
  return new PrismaClient({
    adapter: new PrismaPg({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: options.connectTimeoutMs,
      // Names the seed in pg_stat_activity, unless the URL sets application_name itself.
      fallback_application_name: SEED_APPLICATION_NAME,
    }),
  });
}
