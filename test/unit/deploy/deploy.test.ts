import { Writable } from "node:stream";

import { describe, expect, it, vi } from "vitest";

import { deploy, type DeployDependencies } from "../../../src/deploy/deploy.js";
import type { MigrationCheck } from "../../../src/deploy/migration-check.js";
import { UsageError } from "../../../src/shared/cli/usage.js";
import { createLogger, createScrubber } from "../../../src/shared/logging.js";
import type { PoolerVerdict } from "../../../src/shared/postgres/transaction-pooler.js";

const ENV = { DATABASE_URL: "postgresql://flip:pw-123456@db.internal:6543/flip" };
const DIRECT_URL = "postgresql://owner:pw-654321@db-primary.internal:5432/flip";
const ON_DATABASE_URL = { url: ENV.DATABASE_URL, variable: "DATABASE_URL", location: "db.internal:6543" };
const POOLED: PoolerVerdict = { transactionPooler: true, evidence: "two connections open at once shared PostgreSQL session 77" };

function harness(
  check: MigrationCheck,
  codes: { migrate?: number; seed?: number } = {},
  options: { env?: NodeJS.ProcessEnv; pooler?: () => Promise<PoolerVerdict> } = {},
) {
  let logged = "";
  let printed = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const logger = createLogger({ level: "info", pretty: false, scrub: createScrubber([]), destination: sink((text) => (logged += text)) });
  const deps = {
    waitForDatabase: vi.fn<DeployDependencies["waitForDatabase"]>(async () => {}),
    checkMigrations: vi.fn<DeployDependencies["checkMigrations"]>(async () => check),
    probeTransactionPooler: vi.fn<DeployDependencies["probeTransactionPooler"]>(
      options.pooler ?? (async () => ({ transactionPooler: false })),
    ),
    migrateWithPrisma: vi.fn<DeployDependencies["migrateWithPrisma"]>(async () => codes.migrate ?? 0),
    seed: vi.fn<DeployDependencies["seed"]>(async () => codes.seed ?? 0),
    output: sink((text) => (printed += text)),
  };
  return {
    deps,
    run: (argv: string[]) => deploy(argv, options.env ?? ENV, logger, deps),
    lines: () =>
      logged
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { level: string; code?: string; msg: string }),
    printed: () => printed,
  };
}

const UP_TO_DATE: MigrationCheck = { upToDate: true, applied: 3 };
const PENDING: MigrationCheck = { upToDate: false, reason: "20270101000000_more is pending" };

describe("deploy", () => {
  it("with every migration applied, does not start Prisma's CLI and runs the seed in-process with its flags", async () => {
    const h = harness(UP_TO_DATE);
    expect(await h.run(["--wait-for-db", "5", "--", "--strict", "--users", "my users.json"])).toBe(0);
    expect(h.deps.waitForDatabase).toHaveBeenCalledWith(ON_DATABASE_URL, 5);
    expect(h.deps.checkMigrations).toHaveBeenCalledWith(ENV.DATABASE_URL);
    // Nothing to migrate: no probe for a pooler either, so the fast path stays as it was.
    expect(h.deps.probeTransactionPooler).not.toHaveBeenCalled();
    expect(h.deps.migrateWithPrisma).not.toHaveBeenCalled();
    expect(h.deps.seed).toHaveBeenCalledWith(["--strict", "--users", "my users.json"]);
    expect(h.lines().map((line) => line.msg)).toEqual([
      "all 3 migrations are applied: nothing for prisma migrate deploy to do",
      "running the seed",
    ]);
  });

  it("counts one applied migration in the singular", async () => {
    const h = harness({ upToDate: true, applied: 1 });
    await h.run([]);
    expect(h.lines()[0]?.msg).toBe("the 1 migration is applied: nothing for prisma migrate deploy to do");
  });

  it("with anything to migrate, runs prisma migrate deploy first, saying why", async () => {
    const h = harness(PENDING);
    expect(await h.run([])).toBe(0);
    expect(h.deps.probeTransactionPooler).toHaveBeenCalledWith(ENV.DATABASE_URL);
    expect(h.deps.probeTransactionPooler.mock.invocationCallOrder[0]).toBeLessThan(h.deps.migrateWithPrisma.mock.invocationCallOrder[0]!);
    expect(h.deps.migrateWithPrisma).toHaveBeenCalledOnce();
    expect(h.deps.migrateWithPrisma.mock.invocationCallOrder[0]).toBeLessThan(h.deps.seed.mock.invocationCallOrder[0]!);
    expect(h.lines()[0]?.msg).toBe("running prisma migrate deploy (20270101000000_more is pending)");
  });

  it("with DIRECT_URL, waits for it, checks and probes it; the seed (which reads DATABASE_URL itself) still runs", async () => {
    const h = harness(PENDING, {}, { env: { ...ENV, DIRECT_URL } });
    expect(await h.run(["--wait-for-db", "7"])).toBe(0);
    expect(h.deps.waitForDatabase).toHaveBeenCalledWith(
      { url: DIRECT_URL, variable: "DIRECT_URL", location: "db-primary.internal:5432" },
      7,
    );
    expect(h.deps.checkMigrations).toHaveBeenCalledWith(DIRECT_URL);
    expect(h.deps.probeTransactionPooler).toHaveBeenCalledWith(DIRECT_URL);
    expect(h.deps.migrateWithPrisma).toHaveBeenCalledOnce();
    expect(h.deps.seed).toHaveBeenCalledOnce();
  });

  it("through a transaction-mode pooler, stops before Prisma's CLI with one line naming DIRECT_URL: exit 1, nothing run", async () => {
    const h = harness(PENDING, {}, { pooler: async () => POOLED });
    expect(await h.run([])).toBe(1);
    expect(h.deps.migrateWithPrisma).not.toHaveBeenCalled();
    expect(h.deps.seed).not.toHaveBeenCalled();
    expect(h.lines()).toEqual([
      expect.objectContaining({
        level: "fatal",
        code: "CONFIG_INVALID",
        msg:
          "DATABASE_URL reaches db.internal:6543 through a transaction-mode pooler (two connections open at once shared PostgreSQL session 77): " +
          "migrations need a direct connection, as Prisma Migrate's lock lasts a session: " +
          "set DIRECT_URL to PostgreSQL itself (the seed keeps using DATABASE_URL); nothing was migrated or seeded",
      }),
    ]);
  });

  it("a DIRECT_URL that is itself a transaction pooler: says to point it at PostgreSQL", async () => {
    const h = harness(PENDING, {}, { env: { ...ENV, DIRECT_URL }, pooler: async () => POOLED });
    expect(await h.run([])).toBe(1);
    expect(h.lines().map((line) => line.msg)).toEqual([
      expect.stringMatching(
        /^DIRECT_URL reaches db-primary\.internal:5432 through a transaction-mode pooler .*: point DIRECT_URL at PostgreSQL itself; nothing was migrated or seeded$/,
      ),
    ]);
  });

  it("a probe that cannot run leaves the verdict to Prisma's CLI, as before, saying so", async () => {
    const h = harness(PENDING, {}, { pooler: () => Promise.reject(Object.assign(new Error("no such database"), { code: "3D000" })) });
    expect(await h.run([])).toBe(0);
    expect(h.lines().map((line) => line.msg)).toEqual([
      "could not check whether DATABASE_URL goes through a transaction-mode pooler (3D000)",
      "running prisma migrate deploy (20270101000000_more is pending)",
      "running the seed",
    ]);
    expect(h.deps.migrateWithPrisma).toHaveBeenCalledOnce();
  });

  it.each<[string, NodeJS.ProcessEnv, string[]]>([
    ["no DATABASE_URL", {}, ["DATABASE_URL: is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)"]],
    [
      "a DIRECT_URL that is no PostgreSQL URL",
      { ...ENV, DIRECT_URL: "db-primary.internal:5432" },
      ["DIRECT_URL: must be a postgresql:// URL with a host (or ?host=/socket/directory)"],
    ],
    [
      "two schemas",
      { DATABASE_URL: `${ENV.DATABASE_URL}?schema=flip_users`, DIRECT_URL },
      [
        "DIRECT_URL: names schema public but DATABASE_URL names flip_users: give both the same ?schema=, the schema flip-db's tables live in",
      ],
    ],
  ])("%s: one line per problem, exit 1, nothing contacted", async (_label, env, problems) => {
    const h = harness(PENDING, {}, { env });
    expect(await h.run([])).toBe(1);
    expect(h.lines().map((line) => [line.level, line.code, line.msg])).toEqual(
      problems.map((problem) => ["fatal", "CONFIG_INVALID", problem]),
    );
    expect(h.deps.waitForDatabase).not.toHaveBeenCalled();
    expect(h.deps.checkMigrations).not.toHaveBeenCalled();
  });

  it("when prisma migrate deploy fails, exits 1 and never seeds", async () => {
    const h = harness(PENDING, { migrate: 1 });
    expect(await h.run([])).toBe(1);
    expect(h.deps.seed).not.toHaveBeenCalled();
    expect(
      h
        .lines()
        .filter((line) => line.level === "fatal")
        .map((line) => [line.code, line.msg]),
    ).toEqual([["MIGRATION_FAILED", "prisma migrate deploy failed (exit 1); the seed was not run"]]);
  });

  it.each([1, 2])("exits with the seed's own code (%i), saying so", async (code) => {
    const h = harness(UP_TO_DATE, { seed: code });
    expect(await h.run([])).toBe(code);
    expect(h.lines().at(-1)).toMatchObject({
      level: "fatal",
      code: "SEED_FAILED",
      msg: `the seed failed (exit ${code}); see its lines above`,
    });
  });

  it("--wait-for-db 0 does not wait; the default waits 30 s", async () => {
    const none = harness(UP_TO_DATE);
    await none.run(["--wait-for-db", "0"]);
    expect(none.deps.waitForDatabase).not.toHaveBeenCalled();
    const byDefault = harness(UP_TO_DATE);
    await byDefault.run([]);
    expect(byDefault.deps.waitForDatabase).toHaveBeenCalledWith(ON_DATABASE_URL, 30);
  });

  it("--help prints the usage and runs nothing", async () => {
    const h = harness(UP_TO_DATE);
    expect(await h.run(["--help"])).toBe(0);
    expect(h.printed()).toContain("Usage: flip-db-deploy");
    expect(h.deps.checkMigrations).not.toHaveBeenCalled();
    expect(h.deps.seed).not.toHaveBeenCalled();
  });

  it("a usage error of its own is thrown as such, before anything runs", async () => {
    const h = harness(UP_TO_DATE);
    await expect(h.run(["--wait-for-db", "soon"])).rejects.toBeInstanceOf(UsageError);
    expect(h.deps.checkMigrations).not.toHaveBeenCalled();
  });
});
