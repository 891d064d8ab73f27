/**
 * The migration directories this package ships against the rows of
 * `_prisma_migrations`, judged as Prisma's CLI judges them. Pure: the rows and
 * the directories come in.
 */

/** A row of `_prisma_migrations`, as far as its status needs it. */
export interface MigrationRecord {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** A row with the checksum of the script Prisma applied (SHA-256, hex). */
export interface ChecksummedRecord extends MigrationRecord {
  checksum: string;
}

/** A migration directory this package ships. */
export interface ShippedMigration {
  name: string;
  /**
   * The SHA-256s (hex) its `migration.sql` may be recorded under: of the file
   * as it is, and with CRLF line ends as LF (Prisma accepts either).
   */
  checksums: readonly string[];
}

export interface MigrationStatus {
  /** Shipped and finished in the database, in name order. */
  applied: string[];
  /** Shipped, not applied yet (or only rolled back): `migrate deploy` applies them. */
  pending: string[];
  /** Started and never finished nor marked rolled back: `migrate deploy` refuses to run until they are resolved. */
  failed: string[];
  /** Applied in the database but not shipped with this package: the database is ahead of this version. */
  unknown: string[];
}

/**
 * `prisma migrate status`'s rules: a row marked rolled back counts for nothing
 * (deploy applies the migration again); a row neither finished nor rolled back
 * is a failed migration, whatever else the table holds for that name.
 */
export function compareMigrations(shipped: readonly string[], records: readonly MigrationRecord[]): MigrationStatus {
  const live = records.filter((record) => record.rolled_back_at === null);
  const failedNames = new Set(live.filter((record) => record.finished_at === null).map((record) => record.migration_name));
  const finishedNames = new Set(live.filter((record) => record.finished_at !== null).map((record) => record.migration_name));
  const local = [...new Set(shipped)].sort();
  const localNames = new Set(local);
  return {
    applied: local.filter((name) => finishedNames.has(name) && !failedNames.has(name)),
    pending: local.filter((name) => !finishedNames.has(name) && !failedNames.has(name)),
    failed: [...failedNames].sort(),
    unknown: [...finishedNames].filter((name) => !localNames.has(name) && !failedNames.has(name)).sort(),
  };
}

/** Why `prisma migrate deploy` has something to do (or to say), or `undefined` when it has nothing. */
export type DeployNeed = string | undefined;

/**
 * Whether `prisma migrate deploy` would do anything but report "No pending
 * migrations to apply": only when every shipped migration has exactly one
 * row, finished, with the checksum of its script, and the table holds nothing
 * else (no failed, rolled-back or unknown migration). Anything else, even what
 * deploy would only pass over (an edited or unknown migration), is left to
 * the CLI, which says what it says about it.
 */
export function whyDeployIsNeeded(shipped: readonly ShippedMigration[], records: readonly ChecksummedRecord[]): DeployNeed {
  const unusual = records.find((record) => record.finished_at === null || record.rolled_back_at !== null);
  if (unusual) return `${unusual.migration_name} is ${unusual.rolled_back_at === null ? "unfinished or failed" : "rolled back"}`;
  const byName = new Map<string, ChecksummedRecord[]>();
  for (const record of records) byName.set(record.migration_name, [...(byName.get(record.migration_name) ?? []), record]);
  for (const migration of shipped) {
    const rows = byName.get(migration.name) ?? [];
    if (rows.length === 0) return `${migration.name} is pending`;
    if (rows.length > 1) return `${migration.name} is recorded ${rows.length} times`;
    if (!migration.checksums.includes(rows[0]!.checksum)) return `${migration.name} was modified after it was applied`;
  }
  const shippedNames = new Set(shipped.map((migration) => migration.name));
  const unknown = records.find((record) => !shippedNames.has(record.migration_name));
  if (unknown) return `${unknown.migration_name} is applied but not shipped`;
  return undefined;
}

/** `a, b, c and 4 more`: enough names to act on, one line however many there are. */
export function listNames(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
