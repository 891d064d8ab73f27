import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { ROOT } from "./commands.js";

/** Not part of the package's sources: what a clean checkout does not hold, or holds only for this machine. */
const NOT_SOURCES = new Set(["node_modules", "dist", ".tmp", ".git", "coverage"]);

export interface PackageCopy {
  root: string;
  /** Adds a migration directory holding `sql` to the copy's prisma/migrations. */
  addMigration(name: string, sql: string): Promise<void>;
  remove(): Promise<void>;
}

/**
 * The package's sources copied to a scratch directory, its node_modules
 * linked from this checkout: a place to pack, build or add migrations without
 * changing what the other tests run here.
 */
export async function copyOfPackage(): Promise<PackageCopy> {
  const root = await mkdtemp(path.join(tmpdir(), "flip-db-copy-"));
  for (const name of await readdir(ROOT)) {
    if (!NOT_SOURCES.has(name)) await cp(path.join(ROOT, name), path.join(root, name), { recursive: true });
  }
  await symlink(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
  return {
    root,
    async addMigration(name, sql) {
      await mkdir(path.join(root, "prisma", "migrations", name));
      await writeFile(path.join(root, "prisma", "migrations", name, "migration.sql"), sql);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
