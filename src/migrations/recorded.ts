/** What Prisma has recorded of the migrations it applied: the `_prisma_migrations` table. */
import type pg from "pg";

import { quoteIdentifier } from "../shared/postgres/quote.js";
import type { ChecksummedRecord } from "./history.js";

/**
 * Every row of `_prisma_migrations` in `schema`, oldest first. Prisma's client
 * has no model for the table, so it is read with SQL; rejects with pg's error
 * (42P01: no such table, nothing was ever migrated).
 */
export async function readHistory(client: pg.Client, schema: string): Promise<ChecksummedRecord[]> {
  const { rows } = await client.query<ChecksummedRecord>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${quoteIdentifier(schema)}."_prisma_migrations" ORDER BY started_at`,
  );
  return rows;
}
