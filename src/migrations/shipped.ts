/**
 * The migrations this package ships: `prisma/migrations`, one directory each
 * with its `migration.sql`, and `migration_lock.toml` naming the provider.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { ShippedMigration } from "./history.js";

/**
 * The package's `prisma/migrations`, found from this file upwards: the same
 * directory whether the code runs from `src/` or from the build in `dist/`,
 * and wherever it is started from.
 */
export function findMigrationsDirectory(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, "prisma", "migrations");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) return path.resolve("prisma", "migrations");
  }
}

/** Migration directories by name, as Prisma lists them (files such as migration_lock.toml are not migrations). */
export async function listMigrationDirectories(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const sha256 = (text: Buffer | string) => createHash("sha256").update(text).digest("hex");

/** Every shipped migration with the checksums Prisma may have recorded for it; rejects if a script cannot be read. */
export async function readShippedMigrations(directory: string): Promise<ShippedMigration[]> {
  const names = await listMigrationDirectories(directory);
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(path.join(directory, name, "migration.sql"));
      const checksums = new Set([sha256(script), sha256(script.toString("utf8").replaceAll("\r\n", "\n"))]);
      return { name, checksums: [...checksums] };
    }),
  );
}

/** The provider `migration_lock.toml` names, or `undefined` when there is no such file or line. */
export async function lockedProvider(directory: string): Promise<string | undefined> {
  try {
    const lock = await readFile(path.join(directory, "migration_lock.toml"), "utf8");
    return /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1];
  } catch {
    return undefined;
  }
}
