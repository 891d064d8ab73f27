/**
 * Migration status without Prisma's CLI: the migration directories this
 * package ships against the rows of `_prisma_migrations`, judged the way
 * `prisma migrate status` judges them. Pure: the rows and names come in.
 */

/** A row of `_prisma_migrations`, as far as the status needs it. */
export interface MigrationRecord {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
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
 * Prisma's rules: a row marked rolled back counts for nothing (deploy applies
 * the migration again); a row neither finished nor rolled back is a failed
 * migration, whatever else the table holds for that name.
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

/** `a, b, c and 4 more`: enough names to act on, one line however many there are. */
export function listNames(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
