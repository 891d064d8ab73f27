import { randomBytes } from "node:crypto";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { ROOT } from "./commands.js";

/**
 * A copy of the package's schema and migrations under `.tmp/` (inside the
 * package, so `prisma/config` and the engine resolve from its node_modules),
 * with a config that extends the real one. Tests that add or break migrations
 * work here and never touch `prisma/`.
 */
export interface ScratchProject {
  directory: string;
  configPath: string;
  schemaPath: string;
  migrationsPath: string;
  /** Adds a migration directory holding `sql`. */
  addMigration(name: string, sql: string): Promise<void>;
  remove(): Promise<void>;
}

export async function scratchProject(): Promise<ScratchProject> {
  const directory = path.join(ROOT, ".tmp", `project-${randomBytes(4).toString("hex")}`);
  const schemaPath = path.join(directory, "schema.prisma");
  const migrationsPath = path.join(directory, "migrations");
  const configPath = path.join(directory, "prisma.config.ts");
  await mkdir(directory, { recursive: true });
  await cp(path.join(ROOT, "prisma", "schema.prisma"), schemaPath);
  await cp(path.join(ROOT, "prisma", "migrations"), migrationsPath, { recursive: true });
  await writeFile(
    configPath,
    `import base from ${JSON.stringify(path.join(ROOT, "prisma.config.ts"))};
export default {
  ...base,
  schema: ${JSON.stringify(schemaPath)},
  migrations: { ...base.migrations, path: ${JSON.stringify(migrationsPath)} },
};
`,
  );
  return {
    directory,
    configPath,
    schemaPath,
    migrationsPath,
    async addMigration(name, sql) {
      await mkdir(path.join(migrationsPath, name));
      await writeFile(path.join(migrationsPath, name, "migration.sql"), sql);
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
