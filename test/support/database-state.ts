/**
 * What the seed's tables hold, read back for assertions and for the bench's
 * figures: by row version (did anything get written?) and by content (what
 * state is it in?).
 */
import { query } from "./postgres.js";

/**
 * Every row of the seed's tables with its `xmin`, the id of the transaction
 * that last wrote it, as `table:key:xmin`: equal snapshots mean not one row
 * was inserted, updated or deleted in between.
 */
export async function rowVersions(databaseUrl: string): Promise<string[]> {
  const rows = await query<{ row: string }>(
    databaseUrl,
    `SELECT 'roles:' || id || ':' || xmin AS row FROM roles
     UNION ALL SELECT 'user_profile:' || user_id || ':' || xmin FROM user_profile
     UNION ALL SELECT 'user_role:' || id || ':' || xmin FROM user_role
     UNION ALL SELECT 'seed_grant:' || user_id || ':' || xmin FROM seed_grant
     ORDER BY 1`,
  );
  return rows.map((row) => row.row);
}

/** Rows inserted, updated or deleted between two `rowVersions` snapshots. */
export function rowsChanged(before: readonly string[], after: readonly string[]): number {
  const versions = (snapshot: readonly string[]) => new Map(snapshot.map((row) => [row.slice(0, row.lastIndexOf(":")), row]));
  const [was, is] = [versions(before), versions(after)];
  let changed = 0;
  for (const [key, row] of is) if (was.get(key) !== row) changed += 1;
  for (const key of was.keys()) if (!is.has(key)) changed += 1;
  return changed;
}

/** How many rows the seed's tables hold in all. */
export async function rowCount(databaseUrl: string): Promise<number> {
  return (await rowVersions(databaseUrl)).length;
}

export interface Grant {
  user_id: string;
  role: string;
}

/** The global roles held (`user_role` rows without a trust): what the seed grants. */
export async function grants(databaseUrl: string): Promise<Grant[]> {
  return query<Grant & Record<string, unknown>>(
    databaseUrl,
    "SELECT ur.user_id, r.name AS role FROM user_role ur JOIN roles r ON r.id = ur.role_id WHERE ur.trust_id IS NULL ORDER BY ur.user_id, r.name",
  );
}

export interface TrustScopedRole extends Grant {
  id: string;
  trust_id: string;
  /** The id of the transaction that last wrote the row. */
  xmin: string;
}

/** The trust-scoped roles held (`user_role` rows with a trust), with their row versions. */
export async function trustScopedRoles(databaseUrl: string): Promise<TrustScopedRole[]> {
  return query<TrustScopedRole & Record<string, unknown>>(
    databaseUrl,
    `SELECT ur.id, ur.user_id, r.name AS role, ur.trust_id, ur.xmin::text AS xmin FROM user_role ur JOIN roles r ON r.id = ur.role_id
      WHERE ur.trust_id IS NOT NULL ORDER BY ur.id`,
  );
}

export async function profiles(databaseUrl: string) {
  return query<{ user_id: string; name: string; organisation: string }>(
    databaseUrl,
    "SELECT user_id, name, organisation FROM user_profile ORDER BY user_id",
  );
}

export async function seedGrants(databaseUrl: string) {
  return query<{ user_id: string; role: string }>(
    databaseUrl,
    "SELECT sg.user_id, r.name AS role FROM seed_grant sg JOIN roles r ON r.id = sg.role_id ORDER BY sg.user_id",
  );
}

/** The seed's tables, by content (not row versions): what a run leaves behind. */
export async function tableContents(
  databaseUrl: string,
): Promise<{ roles: string[]; profiles: string[]; userRoles: string[]; seedGrants: string[] }> {
  const column = async (sql: string) => (await query<{ v: string }>(databaseUrl, sql)).map((row) => row.v);
  return {
    roles: await column("SELECT id || ' ' || name || ' ' || description AS v FROM roles ORDER BY 1"),
    profiles: await column("SELECT user_id || ' ' || name || ' ' || organisation AS v FROM user_profile ORDER BY 1"),
    userRoles: await column("SELECT user_id || ' ' || role_id || ' ' || coalesce(trust_id::text, 'global') AS v FROM user_role ORDER BY 1"),
    seedGrants: await column("SELECT user_id || ' ' || role_id AS v FROM seed_grant ORDER BY 1"),
  };
}

/** Every table of the database, as `schema.table`, sorted: where a run put things. */
export async function tablesBySchema(databaseUrl: string): Promise<string[]> {
  const rows = await query<{ name: string }>(
    databaseUrl,
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

/** `_prisma_migrations` in `schema`, by name: finished (and not rolled back), and the row's version (did anything rewrite it?). */
export async function migrationHistory(
  databaseUrl: string,
  schema = "public",
): Promise<Array<{ migration_name: string; finished: boolean; xmin: string }>> {
  return query(
    databaseUrl,
    `SELECT migration_name, finished_at IS NOT NULL AND rolled_back_at IS NULL AS finished, xmin::text AS xmin
     FROM "${schema.replaceAll('"', '""')}"."_prisma_migrations" ORDER BY migration_name, started_at`,
  );
}

/** `databaseUrl` with Prisma's `?schema=`. */
export function withSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("schema", schema);
  return url.toString();
}
