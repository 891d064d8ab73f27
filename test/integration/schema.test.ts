/**
 * `?schema=` honoured everywhere: flip-db in a schema of its own, alone in a
 * database and beside another Prisma project that keeps its own history in
 * `public` (the usual way for a platform to share one database with it).
 * Every way of booting (flip-db-deploy, the CLI chain), the doctor and the
 * library must keep every table and row in the named schema.
 */
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { connectDatabase, seedMainUsers } from "../../src/index.js";
import { flipDbDeploy, logLines, output, prisma, ROOT, shippedMigrationNames } from "../support/commands.js";
import { migrationHistory as history, tablesBySchema as tables, withSchema } from "../support/database-state.js";
import { fakeDirectory } from "../support/fake-directory.js";
import { query } from "../support/postgres.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario, type Scenario } from "../support/seed-fixture.js";
import { freshDatabase } from "../support/stack.js";

const SCHEMA = "flip_users";
const FLIP_TABLES = ["_prisma_migrations", "roles", "seed_grant", "user_profile", "user_role"];
const MANIFEST = [entry("ada.schema@example.org", "Admin"), entry("ben.schema@example.org", "Viewer")];

function deploy(env: Record<string, string>) {
  return flipDbDeploy(env, ["--wait-for-db", "5"]);
}

function doctor(env: Record<string, string>) {
  return runCommand("node", ["bin/doctor.js"], { cwd: ROOT, env, timeoutMs: 120_000 });
}

/** What the seed wrote, read from the schema: profiles by name, grants by name and role. */
async function seeded(databaseUrl: string, schema = SCHEMA) {
  const profiles = await query<{ name: string }>(databaseUrl, `SELECT name FROM "${schema}".user_profile ORDER BY name`);
  const grants = await query<{ name: string; role: string }>(
    databaseUrl,
    `SELECT p.name, r.name AS role FROM "${schema}".user_role ur
     JOIN "${schema}".user_profile p USING (user_id) JOIN "${schema}".roles r ON r.id = ur.role_id ORDER BY p.name`,
  );
  const roles = await query<{ name: string }>(databaseUrl, `SELECT name FROM "${schema}".roles ORDER BY name`);
  return { profiles: profiles.map((row) => row.name), grants, roles: roles.map((row) => row.name) };
}

const EXPECTED_SEED = {
  profiles: ["Name of ada.schema", "Name of ben.schema"],
  grants: [
    { name: "Name of ada.schema", role: "Admin" },
    { name: "Name of ben.schema", role: "Viewer" },
  ],
  roles: ["Admin", "Researcher", "Trust Admin", "Viewer"],
};

/** The shipped migrations, each recorded once and finished, in `schema`. */
async function expectMigratedOnce(databaseUrl: string, schema = SCHEMA): Promise<void> {
  const recorded = await history(databaseUrl, schema);
  expect(recorded.map(({ migration_name, finished }) => ({ migration_name, finished }))).toEqual(
    (await shippedMigrationNames()).map((migration_name) => ({ migration_name, finished: true })),
  );
}

/**
 * Another Prisma project, as a platform would have one: its own schema, its
 * own migrations and history, in `public`, through the same CLI and offline engine.
 */
async function platformProject() {
  const directory = path.join(ROOT, ".tmp", `platform-${Math.random().toString(16).slice(2, 10)}`);
  const migrations = path.join(directory, "migrations");
  await mkdir(migrations, { recursive: true });
  await writeFile(path.join(directory, "schema.prisma"), 'datasource db {\n  provider = "postgresql"\n}\n');
  await writeFile(path.join(migrations, "migration_lock.toml"), 'provider = "postgresql"\n');
  const configPath = path.join(directory, "prisma.config.ts");
  await writeFile(
    configPath,
    `import { defineConfig } from "prisma/config";
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= ${JSON.stringify(path.join(ROOT, "bin", "schema-engine.js"))};
export default defineConfig({
  schema: ${JSON.stringify(path.join(directory, "schema.prisma"))},
  migrations: { path: ${JSON.stringify(migrations)} },
  datasource: { url: process.env.PLATFORM_DATABASE_URL },
});
`,
  );
  return {
    async addMigration(name: string, sql: string) {
      await mkdir(path.join(migrations, name));
      await writeFile(path.join(migrations, name, "migration.sql"), sql);
    },
    deploy: (databaseUrl: string) => prisma(["migrate", "deploy", "--config", configPath], { PLATFORM_DATABASE_URL: databaseUrl }),
  };
}

describe("?schema=", () => {
  const opened: Array<{ $disconnect(): Promise<void> }> = [];
  afterEach(async () => {
    for (const client of opened.splice(0)) await client.$disconnect();
  });

  async function schemaScenario(): Promise<Scenario & { empty: string }> {
    const s = await scenario(
      MANIFEST.map(({ email }) => ({ email })),
      MANIFEST,
    );
    const empty = await freshDatabase("schema");
    return { ...s, empty, env: { ...s.env, DATABASE_URL: withSchema(empty, SCHEMA) } };
  }

  it("alone in a database: flip-db-deploy puts every table, _prisma_migrations and every row in the schema, nothing in public", async () => {
    const s = await schemaScenario();
    const first = await deploy(s.env);
    expect(first.code, output(first)).toBe(0);
    expect(await tables(s.empty)).toEqual(FLIP_TABLES.map((table) => `${SCHEMA}.${table}`));
    await expectMigratedOnce(s.empty);
    expect(await seeded(s.empty)).toEqual(EXPECTED_SEED);

    // The next boot reads the history in the schema: nothing to migrate, no CLI, nothing written.
    const before = await history(s.empty, SCHEMA);
    const second = await deploy(s.env);
    expect(second.code, output(second)).toBe(0);
    expect(logLines(second).map((line) => line.msg)).toContainEqual(expect.stringMatching(/^all \d+ migrations are applied/));
    expect(await history(s.empty, SCHEMA)).toEqual(before);
    expect(await tables(s.empty)).toEqual(FLIP_TABLES.map((table) => `${SCHEMA}.${table}`));

    // The doctor finds the history in the schema.
    const checked = await doctor(s.env);
    expect(checked.code, output(checked)).toBe(0);
    expect(checked.stdout).toMatch(/^PASS {2}migrations {10}(\d+) of \1 applied/m);
  });

  it("alone in a database: npx prisma migrate deploy && npx prisma db seed do the same", async () => {
    const s = await schemaScenario();
    const migrated = await prisma(["migrate", "deploy"], s.env);
    expect(migrated.code, output(migrated)).toBe(0);
    const seededRun = await prisma(["db", "seed"], s.env);
    expect(seededRun.code, output(seededRun)).toBe(0);
    expect(await tables(s.empty)).toEqual(FLIP_TABLES.map((table) => `${SCHEMA}.${table}`));
    await expectMigratedOnce(s.empty);
    expect(await seeded(s.empty)).toEqual(EXPECTED_SEED);
  });

  it("beside another Prisma project's history in public: both histories intact, in either order", async () => {
    const s = await schemaScenario();
    const platform = await platformProject();
    await platform.addMigration("20250101000000_studies", 'CREATE TABLE "study" ("id" SERIAL PRIMARY KEY, "title" TEXT NOT NULL);');
    const platformFirst = await platform.deploy(s.empty);
    expect(platformFirst.code, output(platformFirst)).toBe(0);

    // flip-db boots into its schema, beside the platform's `_prisma_migrations` in public (0.1.0 failed here: 42P07).
    const boot = await deploy(s.env);
    expect(boot.code, output(boot)).toBe(0);
    await expectMigratedOnce(s.empty);
    expect(await seeded(s.empty)).toEqual(EXPECTED_SEED);

    // The platform migrates again, after flip-db: its history goes on in public, flip-db's is untouched.
    const flipHistory = await history(s.empty, SCHEMA);
    await platform.addMigration("20250201000000_more", 'ALTER TABLE "study" ADD COLUMN "site" TEXT;');
    const platformAgain = await platform.deploy(s.empty);
    expect(platformAgain.code, output(platformAgain)).toBe(0);
    expect((await history(s.empty, "public")).map(({ migration_name, finished }) => ({ migration_name, finished }))).toEqual([
      { migration_name: "20250101000000_studies", finished: true },
      { migration_name: "20250201000000_more", finished: true },
    ]);
    expect(await history(s.empty, SCHEMA)).toEqual(flipHistory);
    expect(await tables(s.empty)).toEqual(
      [...FLIP_TABLES.map((table) => `${SCHEMA}.${table}`), "public._prisma_migrations", "public.study"].sort(),
    );

    // And flip-db's next boot still finds nothing to do.
    const again = await deploy(s.env);
    expect(again.code, output(again)).toBe(0);
    expect(logLines(again).map((line) => line.msg)).toContainEqual(expect.stringMatching(/^all \d+ migrations are applied/));
  });

  it("the library's connectDatabase reads and writes the URL's schema", async () => {
    const s = await schemaScenario();
    const migrated = await prisma(["migrate", "deploy"], s.env);
    expect(migrated.code, output(migrated)).toBe(0);
    const db = connectDatabase(s.env.DATABASE_URL!);
    opened.push(db);
    const directory = fakeDirectory(MANIFEST.map(({ email }) => ({ sub: randomUUID(), email, emailVerified: true, enabled: true })));
    const report = await seedMainUsers(db, { users: MANIFEST, directory });
    expect(report.counts.resolved).toBe(2);
    expect(await seeded(s.empty)).toEqual(EXPECTED_SEED);
    expect((await db.userProfile.findMany({ orderBy: { name: "asc" } })).map((profile) => profile.name)).toEqual(EXPECTED_SEED.profiles);
    expect(await tables(s.empty)).not.toContainEqual(expect.stringMatching(/^public\./));
  });
});
