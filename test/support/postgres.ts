/** PostgreSQL for the tests and the bench (nothing here needs vitest): a query, a migrated database. */

import { createDatabase } from "../../dev/local-stack.js";
import { withPgClient } from "../../src/shared/postgres/client.js";
import { prisma } from "./commands.js";

export async function query<Row extends Record<string, unknown>>(url: string, sql: string, values: unknown[] = []): Promise<Row[]> {
  return (await withPgClient({ url }, (client) => client.query<Row>(sql, values))).rows;
}

/** A new database `name` on the server of `adminUrl`, migrated by the real `npx prisma migrate deploy`. */
export async function createMigratedDatabase(adminUrl: string, name: string): Promise<string> {
  const url = await createDatabase(adminUrl, name);
  const deployed = await prisma(["migrate", "deploy"], { DATABASE_URL: url });
  if (deployed.code !== 0) throw new Error(`migrate deploy failed:\n${deployed.stdout}${deployed.stderr}`);
  return url;
}
