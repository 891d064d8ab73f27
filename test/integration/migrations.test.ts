import { randomUUID } from "node:crypto";
import { appendFile, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { listMigrationDirectories } from "../../src/migrations/shipped.js";
import { output, prisma, ROOT } from "../support/commands.js";
import { query } from "../support/postgres.js";
import { scratchProject, type ScratchProject } from "../support/scratch-project.js";
import { environmentFor, freshDatabase, stack } from "../support/stack.js";

/** The migration directories the package ships, in order. */
const shippedMigrations = () => listMigrationDirectories(path.join(ROOT, "prisma", "migrations"));

type Column = { table_name: string; column_name: string; data_type: string; is_nullable: string; max_length: number | null };

async function shadowDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    stack().postgresAdminUrl,
    "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
  );
  return rows.map((row) => row.datname);
}

describe("migrations through the offline schema engine", () => {
  let databaseUrl: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    databaseUrl = await freshDatabase("mig");
    env = environmentFor(databaseUrl);
  });

  it("migrate deploy creates the FLIP tables with the contracted columns", async () => {
    const result = await prisma(["migrate", "deploy"], env);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("All migrations have been successfully applied.");

    const columns = await query<Column>(
      databaseUrl,
      `SELECT table_name, column_name, data_type, is_nullable, character_maximum_length AS max_length
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
        ORDER BY table_name, ordinal_position`,
    );
    const describe = (c: Column) =>
      `${c.table_name}.${c.column_name} ${c.data_type}${c.max_length ? `(${c.max_length})` : ""}${c.is_nullable === "NO" ? " not null" : ""}`;
    expect(columns.map(describe)).toEqual([
      "roles.id uuid not null",
      "roles.name text not null",
      "roles.description text not null",
      "roles.created_at timestamp with time zone not null",
      "roles.updated_at timestamp with time zone not null",
      "seed_grant.user_id uuid not null",
      "seed_grant.role_id uuid not null",
      "seed_grant.granted_at timestamp with time zone not null",
      "user_profile.user_id uuid not null",
      "user_profile.name character varying(255) not null",
      "user_profile.organisation character varying(255) not null",
      "user_profile.created_at timestamp with time zone not null",
      "user_profile.updated_at timestamp with time zone not null",
      "user_role.user_id uuid not null",
      "user_role.role_id uuid not null",
      "user_role.created_at timestamp with time zone not null",
      "user_role.id uuid not null",
      "user_role.trust_id uuid",
    ]);

    const constraints = await query<{ definition: string; table: string }>(
      databaseUrl,
      `SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'f', 'u')
          AND conrelid <> '_prisma_migrations'::regclass
        ORDER BY 1, 2`,
    );
    expect(constraints.map((c) => `${c.table}: ${c.definition}`)).toEqual([
      "roles: PRIMARY KEY (id)",
      "seed_grant: FOREIGN KEY (role_id) REFERENCES roles(id) ON UPDATE CASCADE ON DELETE RESTRICT",
      "seed_grant: PRIMARY KEY (user_id)",
      "user_profile: PRIMARY KEY (user_id)",
      "user_role: FOREIGN KEY (role_id) REFERENCES roles(id) ON UPDATE CASCADE ON DELETE RESTRICT",
      "user_role: PRIMARY KEY (id)",
    ]);
    const indexes = await query<{ indexdef: string }>(
      databaseUrl,
      "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey' ORDER BY indexname",
    );
    expect(indexes.map((index) => index.indexdef)).toEqual([
      "CREATE UNIQUE INDEX roles_name_key ON public.roles USING btree (name)",
      "CREATE UNIQUE INDEX uq_user_role_global ON public.user_role USING btree (user_id, role_id) WHERE (trust_id IS NULL)",
      "CREATE UNIQUE INDEX uq_user_role_per_trust ON public.user_role USING btree (user_id, role_id, trust_id) WHERE (trust_id IS NOT NULL)",
      "CREATE INDEX user_role_trust_id_idx ON public.user_role USING btree (trust_id)",
      "CREATE INDEX user_role_user_id_idx ON public.user_role USING btree (user_id)",
    ]);

    // Server-side defaults, so rows written by other tools are valid too.
    await query(databaseUrl, "INSERT INTO user_profile (user_id, name, organisation) VALUES (gen_random_uuid(), 'n', 'o')");
    const [row] = await query<{ created_at: Date; updated_at: Date }>(databaseUrl, "SELECT created_at, updated_at FROM user_profile");
    expect(row?.created_at).toBeInstanceOf(Date);
    expect(row?.updated_at).toBeInstanceOf(Date);
  });

  it("user_role: a global role once per user, a trust-scoped one once per user and trust, and an id from the database", async () => {
    expect((await prisma(["migrate", "deploy"], env)).code).toBe(0);
    const [user, trust, otherTrust] = [randomUUID(), randomUUID(), randomUUID()];
    const role = "10b64ed0-bc90-4c01-9cc3-933c704905c1";
    await query(databaseUrl, "INSERT INTO roles (id, name, description) VALUES ($1, 'Researcher', 'r')", [role]);
    const insert = (trustId: string | null) =>
      query(databaseUrl, "INSERT INTO user_role (user_id, role_id, trust_id) VALUES ($1, $2, $3)", [user, role, trustId]);
    // The same role held globally and at two trusts: three rows.
    await insert(null);
    await insert(trust);
    await insert(otherTrust);
    await expect(insert(null)).rejects.toThrow('duplicate key value violates unique constraint "uq_user_role_global"');
    await expect(insert(trust)).rejects.toThrow('duplicate key value violates unique constraint "uq_user_role_per_trust"');
    const rows = await query<{ id: string; trust_id: string | null }>(databaseUrl, "SELECT id, trust_id FROM user_role");
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((row) => row.id)).size).toBe(3);
    // No foreign key on trust_id: trusts are the platform's table.
    expect(rows.map((row) => row.trust_id).sort()).toEqual([null, trust, otherTrust].sort());
  });

  it("migrate status reports pending migrations, then an up-to-date database", async () => {
    const before = await prisma(["migrate", "status"], env);
    expect(before.code).not.toBe(0);
    expect(output(before)).toMatch(/have not yet been applied|following migration have not yet been applied/);

    expect((await prisma(["migrate", "deploy"], env)).code).toBe(0);
    const after = await prisma(["migrate", "status"], env);
    expect(after.code, output(after)).toBe(0);
    expect(after.stdout).toContain("Database schema is up to date!");
  });

  it("the committed migrations produce exactly the schema (migrate diff is empty), and a drift is caught", async () => {
    const clean = await prisma(
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma", "--exit-code"],
      env,
    );
    expect(clean.code, output(clean)).toBe(0);

    // The same comparison must fail once the schema moves without a migration: a new table, or a change to
    // user_role beside its partial unique indexes (which the schema leaves to the migration, and Prisma passes over).
    const project = await scratchProject();
    try {
      const schema = await readFile(project.schemaPath, "utf8");
      await writeFile(project.schemaPath, `${schema.replace("  @@index([trustId])\n", "")}\nmodel Drift {\n  id Int @id\n}\n`);
      const drift = await prisma(
        ["migrate", "diff", "--from-migrations", project.migrationsPath, "--to-schema", project.schemaPath, "--exit-code", "--script"],
        env,
      );
      expect(drift.code, output(drift)).toBe(2);
      expect(drift.stdout).toContain('CREATE TABLE "Drift"');
      expect(drift.stdout).toContain('DROP INDEX "user_role_trust_id_idx"');
      expect(drift.stdout).not.toContain("uq_user_role");
    } finally {
      await project.remove();
    }
    expect(await shadowDatabases()).toEqual([]);
  });

  it("a configured SHADOW_DATABASE_URL is emptied and used instead of a temporary shadow database", async () => {
    const shadowUrl = await freshDatabase("shadow");
    await query(shadowUrl, "CREATE TABLE leftover (id int)");
    const result = await prisma(
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma", "--exit-code"],
      { ...env, SHADOW_DATABASE_URL: shadowUrl },
    );
    expect(result.code, output(result)).toBe(0);
    const tables = await query<{ tablename: string }>(shadowUrl, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((row) => row.tablename)).toEqual(["roles", "seed_grant", "user_profile", "user_role"]);
    expect(await shadowDatabases()).toEqual([]);
  });

  it("migrate diff reads a live database's schema (the describer's \"char\" columns)", async () => {
    expect((await prisma(["migrate", "deploy"], env)).code).toBe(0);
    const live = await prisma(["migrate", "diff", "--from-config-datasource", "--to-schema", "prisma/schema.prisma", "--exit-code"], env);
    expect(live.code, output(live)).toBe(0);
    await query(databaseUrl, "ALTER TABLE user_profile DROP COLUMN organisation");
    const drifted = await prisma(
      ["migrate", "diff", "--from-config-datasource", "--to-schema", "prisma/schema.prisma", "--exit-code", "--script"],
      env,
    );
    expect(drifted.code, output(drifted)).toBe(2);
    expect(drifted.stdout).toContain('ADD COLUMN     "organisation" VARCHAR(255) NOT NULL');
  });

  it("migrate dev creates a new migration from a schema change and applies it", async () => {
    const project = await scratchProject();
    try {
      expect((await prisma(["migrate", "deploy", "--config", project.configPath], env)).code).toBe(0);
      await appendFile(
        project.schemaPath,
        '\nmodel AuditNote {\n  id   Int    @id @default(autoincrement())\n  note String\n\n  @@map("audit_note")\n}\n',
      );
      const dev = await prisma(["migrate", "dev", "--name", "add_audit_note", "--config", project.configPath], env);
      expect(dev.code, output(dev)).toBe(0);

      const created = (await readdir(project.migrationsPath)).filter((name) => name.endsWith("_add_audit_note"));
      expect(created).toHaveLength(1);
      const sql = await readFile(path.join(project.migrationsPath, created[0]!, "migration.sql"), "utf8");
      expect(sql).toContain('CREATE TABLE "audit_note"');
      // The partial unique indexes are the migration's alone: a new migration neither re-creates nor drops them.
      expect(sql).not.toContain("uq_user_role");
      const applied = await query<{ migration_name: string }>(
        databaseUrl,
        "SELECT migration_name FROM _prisma_migrations ORDER BY started_at",
      );
      expect(applied.map((row) => row.migration_name)).toEqual([...(await shippedMigrations()), created[0]]);
      await query(databaseUrl, "INSERT INTO audit_note (note) VALUES ('works')");
    } finally {
      await project.remove();
    }
    expect(await shadowDatabases()).toEqual([]);
  });

  it("migrate reset drops the data and re-applies every migration", async () => {
    expect((await prisma(["migrate", "deploy"], env)).code).toBe(0);
    await query(databaseUrl, "INSERT INTO user_profile (user_id, name, organisation) VALUES (gen_random_uuid(), 'n', 'o')");
    const reset = await prisma(["migrate", "reset", "--force"], env);
    expect(reset.code, output(reset)).toBe(0);
    expect(await query(databaseUrl, "SELECT * FROM user_profile")).toEqual([]);
    const applied = await query<{ count: string }>(databaseUrl, "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(applied[0]?.count).toBe(String((await shippedMigrations()).length));
  });

  it("two migrate deploy processes at once apply each migration once, and both succeed", async () => {
    const results = await Promise.all([prisma(["migrate", "deploy"], env), prisma(["migrate", "deploy"], env)]);
    for (const result of results) expect(result.code, output(result)).toBe(0);
    const applied = await query<{ count: string }>(databaseUrl, "SELECT count(*) FROM _prisma_migrations");
    expect(applied[0]?.count).toBe(String((await shippedMigrations()).length));
  });

  it("migrate deploy creates a database that does not exist yet", async () => {
    const url = new URL(databaseUrl);
    url.pathname = `${url.pathname}_new`;
    const result = await prisma(["migrate", "deploy"], environmentFor(url.toString()));
    expect(result.code, output(result)).toBe(0);
    expect(await query(url.toString(), "SELECT id FROM roles")).toEqual([]);
  });

  describe("with extra migrations", () => {
    let project: ScratchProject;
    beforeEach(async () => {
      project = await scratchProject();
    });
    afterEach(() => project.remove());

    it("a broken migration fails migrate deploy with the database's error", async () => {
      await project.addMigration("29990101000000_broken", "ALTER TABLE no_such_table ADD COLUMN x int;\n");
      const result = await prisma(["migrate", "deploy", "--config", project.configPath], env);
      expect(result.code).not.toBe(0);
      expect(output(result)).toContain('relation "no_such_table" does not exist');
      const failed = await query<{ migration_name: string }>(
        databaseUrl,
        "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NULL",
      );
      expect(failed.map((row) => row.migration_name)).toEqual(["29990101000000_broken"]);
    });

    it("a migration is sent whole: semicolons inside a function body and strings survive", async () => {
      await project.addMigration(
        "29990101000000_function",
        `CREATE FUNCTION flip_touch() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1; -- a semicolon inside the body
  RETURN 'a;b';
END;
$$;
`,
      );
      const result = await prisma(["migrate", "deploy", "--config", project.configPath], env);
      expect(result.code, output(result)).toBe(0);
      expect(await query(databaseUrl, "SELECT flip_touch() AS value")).toEqual([{ value: "a;b" }]);
    });

    it("a failing statement leaves nothing of its migration behind", async () => {
      await project.addMigration(
        "29990101000000_half",
        "CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT 1/0;\n",
      );
      const result = await prisma(["migrate", "deploy", "--config", project.configPath], env);
      expect(result.code).not.toBe(0);
      expect(output(result)).toContain("division by zero");
      const tables = await query(databaseUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
      expect(tables).toEqual([]);
    });
  });

  it("an engine panic fails the command with the panic message instead of passing silently", async () => {
    const result = await prisma(["migrate", "deploy"], { ...env, FORCE_PANIC_SCHEMA_ENGINE: "1" });
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain("This is the debugPanic artificial panic");
  });

  it("an unreachable database fails with a clear message and no password", async () => {
    const url = new URL(databaseUrl);
    url.port = "1";
    const result = await prisma(["migrate", "deploy"], environmentFor(url.toString()));
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain("Can't reach database server at `127.0.0.1:1`");
    expect(output(result)).not.toContain(stack().postgresPassword);
  });

  it("a native engine named by PRISMA_SCHEMA_ENGINE_BINARY is used instead", async () => {
    const result = await prisma(["migrate", "deploy"], { ...env, PRISMA_SCHEMA_ENGINE_BINARY: "/nonexistent/schema-engine" });
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain("/nonexistent/schema-engine");
  });
});
