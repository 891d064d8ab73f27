import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import {
  findMigrationsDirectory,
  listMigrationDirectories,
  lockedProvider,
  readShippedMigrations,
} from "../../../src/migrations/shipped.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function migrationsDirectory(scripts: Record<string, string>, lock?: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "flip-db-migrations-"));
  for (const [name, script] of Object.entries(scripts)) {
    await mkdir(path.join(directory, name));
    await writeFile(path.join(directory, name, "migration.sql"), script);
  }
  if (lock !== undefined) await writeFile(path.join(directory, "migration_lock.toml"), lock);
  return directory;
}

describe("the migrations directory", () => {
  it("lists migration directories in name order, not the lock file", async () => {
    const directory = await migrationsDirectory({ "20260201000000_b": "", "20260101000000_a": "" }, 'provider = "postgresql"\n');
    expect(await listMigrationDirectories(directory)).toEqual(["20260101000000_a", "20260201000000_b"]);
  });

  it("is found from the module upwards, from src/ as from a build in dist/", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "flip-db-doctor-"));
    await mkdir(path.join(root, "prisma", "migrations"), { recursive: true });
    await mkdir(path.join(root, "dist", "src", "doctor"), { recursive: true });
    expect(findMigrationsDirectory(path.join(root, "dist", "src", "doctor"))).toBe(path.join(root, "prisma", "migrations"));
    // By default: this package's own.
    expect(await listMigrationDirectories(findMigrationsDirectory())).toContain("20261128063814_init");
  });

  it("gives each migration the checksums of its script as it is and with LF line ends", async () => {
    const directory = await migrationsDirectory({ "1_lf": "CREATE TABLE a (x int);\n", "2_crlf": "CREATE TABLE b (x int);\r\n" });
    expect(await readShippedMigrations(directory)).toEqual([
      { name: "1_lf", checksums: [sha256("CREATE TABLE a (x int);\n")] },
      { name: "2_crlf", checksums: [sha256("CREATE TABLE b (x int);\r\n"), sha256("CREATE TABLE b (x int);\n")] },
    ]);
  });

  it("rejects when a migration directory has no script", async () => {
    const directory = await migrationsDirectory({ "1_a": "SELECT 1;" });
    await mkdir(path.join(directory, "2_empty"));
    await expect(readShippedMigrations(directory)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reads the provider from migration_lock.toml, or nothing without one", async () => {
    expect(await lockedProvider(await migrationsDirectory({}, '# Please do not edit\nprovider = "postgresql"\n'))).toBe("postgresql");
    expect(await lockedProvider(await migrationsDirectory({}, 'provider = "mysql"\n'))).toBe("mysql");
    expect(await lockedProvider(await migrationsDirectory({}))).toBeUndefined();
  });
});
