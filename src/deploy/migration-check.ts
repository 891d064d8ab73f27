/**
 * Whether this boot has anything to migrate, learned in-process: what
 * `prisma migrate deploy` would find, without paying for the CLI's start-up
 * (over a second) on every boot of every replica. "Nothing to do" is said
 * only when it is certain; any doubt goes to the CLI.
 */
import { whyDeployIsNeeded } from "../migrations/history.js";
import { readHistory } from "../migrations/recorded.js";
import { lockedProvider, readShippedMigrations } from "../migrations/shipped.js";
import { errorCode } from "../shared/errors.js";
import { withPgClient, type PgConnection } from "../shared/postgres/client.js";
import { describeTlsFailure, isNoSuchDatabase, isNoSuchTable } from "../shared/postgres/error-codes.js";
import { locateDatabase } from "../shared/postgres/location.js";

export type MigrationCheck = { upToDate: true; applied: number } | { upToDate: false; reason: string };

function codeOf(error: unknown): string {
  return errorCode(error) ?? "no code";
}

/** `connection` names the database and how long to wait on it. */
export async function checkMigrations(connection: PgConnection & { url: string }, migrationsDirectory: string): Promise<MigrationCheck> {
  const provider = await lockedProvider(migrationsDirectory);
  if (provider !== "postgresql") return { upToDate: false, reason: `migration_lock.toml names ${provider ?? "no provider"}` };
  let shipped;
  try {
    shipped = await readShippedMigrations(migrationsDirectory);
  } catch (error) {
    return { upToDate: false, reason: `a migration script cannot be read (${codeOf(error)})` };
  }
  let records;
  try {
    const { schema } = locateDatabase(connection.url);
    records = await withPgClient(connection, (client) => readHistory(client, schema));
  } catch (error) {
    const code = codeOf(error);
    const tls = describeTlsFailure(error);
    if (tls !== undefined) return { upToDate: false, reason: `the migration history cannot be read over TLS (${tls})` };
    if (isNoSuchDatabase(code)) return { upToDate: false, reason: "the database does not exist yet" };
    // No `_prisma_migrations` before the first migration.
    if (isNoSuchTable(code)) return { upToDate: false, reason: "nothing has been migrated yet" };
    return { upToDate: false, reason: `the migration history cannot be read (${code})` };
  }
  const reason = whyDeployIsNeeded(shipped, records);
  return reason === undefined ? { upToDate: true, applied: shipped.length } : { upToDate: false, reason };
}
