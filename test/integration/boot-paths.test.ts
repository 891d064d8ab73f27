/**
 * flip-db-deploy against the chain it replaces, `prisma migrate deploy &&
 * prisma db seed`, case by case on twin databases: the same exit code, the
 * same `_prisma_migrations`, the same seeding. flip-db-deploy skips Prisma's
 * CLI only when nothing is left to migrate; everything else must go through
 * it and end exactly as the chain does.
 *
 * Each case runs on a copy of the package whose prisma/migrations holds what
 * the case needs (a pending migration, a broken one).
 */
import { randomBytes } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { bootPackage, logLines, output } from "../support/commands.js";
import { grants } from "../support/database-state.js";
import { copyOfPackage, type PackageCopy } from "../support/package-copy.js";
import { RELEASE_0_1_0 } from "../support/past-release.js";
import { query } from "../support/postgres.js";
import { runCommand, type CommandResult } from "../support/run-command.js";
import { databaseMigratedThrough, entry, migratedDatabase, scenario, type Scenario } from "../support/seed-fixture.js";
import { freshDatabase, stack } from "../support/stack.js";
import { TRUST_SCOPED_ROLES_MIGRATION } from "../support/upgrade-scenario.js";

const MANIFEST = [entry("ada@example.org", "Admin"), entry("ben@example.org", "Viewer")];
const POOL = MANIFEST.map(({ email }) => ({ email }));
const ADD_INDEX = ["20270101000000_profile_name_index", 'CREATE INDEX "user_profile_name_idx" ON "user_profile"("name");\n'] as const;
const BROKEN = ["20270101000000_broken", 'ALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\n'] as const;
/** The package's two migrations: 0.1.0's, and the one 0.2.0 adds. */
const INIT = RELEASE_0_1_0.lastMigration;
const TRUST_SCOPED_ROLES = TRUST_SCOPED_ROLES_MIGRATION;

const copies: PackageCopy[] = [];
afterAll(async () => {
  for (const copy of copies) await copy.remove();
});
async function packageWith(...migrations: ReadonlyArray<readonly [string, string]>): Promise<PackageCopy> {
  const copy = await copyOfPackage();
  copies.push(copy);
  for (const [name, sql] of migrations) await copy.addMigration(name, sql);
  return copy;
}

interface Boot {
  code: number | null;
  result: CommandResult;
  history: Array<Record<string, unknown>>;
  /** The roles granted, sorted. */
  grants: string[];
}

function bootThroughDeploy(copy: PackageCopy, env: Record<string, string>): Promise<CommandResult> {
  return bootPackage(copy.root, env);
}

/** The chain as an entrypoint runs it, without npx: the second step only if the first succeeded. */
async function bootThroughPrisma(copy: PackageCopy, env: Record<string, string>): Promise<CommandResult> {
  const cli = ["node_modules/prisma/build/index.js"];
  const migrated = await runCommand("node", [...cli, "migrate", "deploy"], { cwd: copy.root, env, timeoutMs: 180_000 });
  if (migrated.code !== 0) return migrated;
  const seeded = await runCommand("node", [...cli, "db", "seed"], { cwd: copy.root, env, timeoutMs: 180_000 });
  return { ...seeded, stdout: migrated.stdout + seeded.stdout, stderr: migrated.stderr + seeded.stderr };
}

/** `_prisma_migrations` without what differs from run to run (ids and times). */
function history(databaseUrl: string) {
  return query(
    databaseUrl,
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back,
            applied_steps_count, logs IS NOT NULL AS has_logs
       FROM _prisma_migrations ORDER BY migration_name, started_at`,
  );
}

/** A database that does not exist yet, on the shared server. */
function missingDatabase(): string {
  const url = new URL(stack().postgresAdminUrl);
  url.pathname = `/missing_${randomBytes(6).toString("hex")}`;
  return url.toString();
}

/** Runs both ways on twin databases made by `database`; returns each way's result, history and grants. */
async function bothWays(copy: PackageCopy, s: Scenario, database: () => Promise<string>) {
  const outcomes: Boot[] = [];
  for (const boot of [bootThroughDeploy, bootThroughPrisma]) {
    const databaseUrl = await database();
    const result = await boot(copy, { ...s.env, DATABASE_URL: databaseUrl });
    outcomes.push({
      code: result.code,
      result,
      history: await history(databaseUrl),
      grants: (await grants(databaseUrl)).map((grant) => grant.role).sort(),
    });
  }
  const [viaDeploy, viaPrisma] = outcomes as [Boot, Boot];
  expect({ code: viaDeploy.code, history: viaDeploy.history, grants: viaDeploy.grants }).toEqual({
    code: viaPrisma.code,
    history: viaPrisma.history,
    grants: viaPrisma.grants,
  });
  return { viaDeploy, viaPrisma };
}

const CLI_BANNER = "Prisma schema loaded from";

describe("flip-db-deploy and the Prisma CLI chain, case by case", () => {
  it("both migrations recorded with their checksums: flip-db-deploy starts no CLI, and both end seeded with the history untouched", async () => {
    const copy = await packageWith();
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy } = await bothWays(copy, s, migratedDatabase);
    expect(viaDeploy.code, output(viaDeploy.result)).toBe(0);
    expect(output(viaDeploy.result)).not.toContain(CLI_BANNER);
    expect(logLines(viaDeploy.result).map((line) => line.msg)).toContain(
      "all 2 migrations are applied: nothing for prisma migrate deploy to do",
    );
    expect(viaDeploy.grants).toEqual(["Admin", "Viewer"]);
    expect(viaDeploy.history.map((row) => [row.migration_name, row.finished])).toEqual([
      [INIT, true],
      [TRUST_SCOPED_ROLES, true],
    ]);
  });

  it("the first migration recorded, the second pending (a 0.1.0 database): the CLI applies it, then the seed runs", async () => {
    const copy = await packageWith();
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy } = await bothWays(copy, s, () => databaseMigratedThrough(INIT));
    expect(viaDeploy.code, output(viaDeploy.result)).toBe(0);
    expect(output(viaDeploy.result)).toContain(CLI_BANNER);
    expect(logLines(viaDeploy.result).map((line) => line.msg)).toContain(
      `running prisma migrate deploy (${TRUST_SCOPED_ROLES} is pending)`,
    );
    expect(viaDeploy.history.map((row) => [row.migration_name, row.finished])).toEqual([
      [INIT, true],
      [TRUST_SCOPED_ROLES, true],
    ]);
    expect(viaDeploy.grants).toEqual(["Admin", "Viewer"]);
  });

  it("a pending migration is applied, then the seed runs", async () => {
    const copy = await packageWith(ADD_INDEX);
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy } = await bothWays(copy, s, migratedDatabase);
    expect(viaDeploy.code, output(viaDeploy.result)).toBe(0);
    expect(logLines(viaDeploy.result).map((line) => line.msg)).toContain(`running prisma migrate deploy (${ADD_INDEX[0]} is pending)`);
    expect(viaDeploy.history.map((row) => [row.migration_name, row.finished])).toEqual([
      [INIT, true],
      [TRUST_SCOPED_ROLES, true],
      [ADD_INDEX[0], true],
    ]);
    expect(viaDeploy.grants).toEqual(["Admin", "Viewer"]);
  });

  it("a failed migration on record is refused (P3009) and nothing is seeded", async () => {
    const copy = await packageWith(ADD_INDEX);
    const s = await scenario(POOL, MANIFEST);
    const failedOnRecord = async () => {
      const url = await migratedDatabase();
      await query(
        url,
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count, logs)
         VALUES ($1, 'checksum-of-a-failed-attempt', $2, now(), 0, 'it failed')`,
        [randomBytes(16).toString("hex"), ADD_INDEX[0]],
      );
      return url;
    };
    const { viaDeploy, viaPrisma } = await bothWays(copy, s, failedOnRecord);
    expect(viaDeploy.code).toBe(1);
    for (const way of [viaDeploy, viaPrisma]) expect(output(way.result)).toContain("P3009");
    expect(viaDeploy.grants).toEqual([]);
    expect(
      logLines(viaDeploy.result)
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["prisma migrate deploy failed (exit 1); the seed was not run"]);
  });

  it("a broken migration fails with the database's error and nothing is seeded", async () => {
    const copy = await packageWith(BROKEN);
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy, viaPrisma } = await bothWays(copy, s, migratedDatabase);
    expect(viaDeploy.code).toBe(1);
    for (const way of [viaDeploy, viaPrisma]) expect(output(way.result)).toContain('relation "no_such_table" does not exist');
    expect(viaDeploy.history.find((row) => row.migration_name === BROKEN[0])).toMatchObject({ finished: false, has_logs: true });
    expect(viaDeploy.grants).toEqual([]);
  });

  it("a database that does not exist yet is created, migrated and seeded", async () => {
    const copy = await packageWith();
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy } = await bothWays(copy, s, async () => missingDatabase());
    expect(viaDeploy.code, output(viaDeploy.result)).toBe(0);
    expect(logLines(viaDeploy.result).map((line) => line.msg)).toContain("running prisma migrate deploy (the database does not exist yet)");
    expect(viaDeploy.grants).toEqual(["Admin", "Viewer"]);
  });

  it("an empty database is migrated and seeded", async () => {
    const copy = await packageWith();
    const s = await scenario(POOL, MANIFEST);
    const { viaDeploy } = await bothWays(copy, s, () => freshDatabase("empty"));
    expect(viaDeploy.code, output(viaDeploy.result)).toBe(0);
    expect(logLines(viaDeploy.result).map((line) => line.msg)).toContain("running prisma migrate deploy (nothing has been migrated yet)");
  });
});
