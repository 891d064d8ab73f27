/**
 * Whether this boot has anything to migrate, learned in-process: what
 * `prisma migrate deploy` would find, without paying for the CLI's start-up
 * (over a second) on every boot of every replica. "Nothing to do" is said
 * only when it is certain; any doubt goes to the CLI.
 */
import { whyDeployIsNeeded } from "../migrations/history.js";
import { readHistory } from "../migrations/recorded.js";
import { lockedProvider, readShippedMigrations } from "../migrations/shipped.js";
import { withPgClient } from "../shared/postgres/client.js";

/** How the check's connection shows in `pg_stat_activity`, unless the URL sets application_name. */
export const DEPLOY_APPLICATION_NAME = "flip-db-deploy";

export type MigrationCheck = { upToDate: true; applied: number } | { upToDate: false; reason: string };

/** pg's codes for the two states every new environment starts in. */
const NO_DATABASE = "3D000";
const NO_TABLE = "42P01";

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "no code";
}

/** Prisma's `?schema=`, where `_prisma_migrations` lives; `public` by default. */
function schemaOf(databaseUrl: string): string {
  try {
    return new URL(databaseUrl).searchParams.get("schema") || "public";
  } catch {
    return "public";
  }
}

export async function checkMigrations(databaseUrl: string, migrationsDirectory: string, timeoutMs: number): Promise<MigrationCheck> {
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
    records = await withPgClient({ url: databaseUrl, timeoutMs, applicationName: DEPLOY_APPLICATION_NAME }, (client) =>
      readHistory(client, schemaOf(databaseUrl)),
    );
  } catch (error) {
    const code = codeOf(error);
    if (code === NO_DATABASE) return { upToDate: false, reason: "the database does not exist yet" };
    if (code === NO_TABLE) return { upToDate: false, reason: "nothing has been migrated yet" };
    return { upToDate: false, reason: `the migration history cannot be read (${code})` };
  }
  const reason = whyDeployIsNeeded(shipped, records);
  return reason === undefined ? { upToDate: true, applied: shipped.length } : { upToDate: false, reason };
}
