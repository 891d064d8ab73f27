import { Writable } from "node:stream";

import { describe, expect, it, vi } from "vitest";

import { deploy, type DeployDependencies } from "../../../src/deploy/deploy.js";
import type { MigrationCheck } from "../../../src/deploy/migration-check.js";
import { UsageError } from "../../../src/shared/cli/usage.js";
import { createLogger, createScrubber } from "../../../src/shared/logging.js";

const ENV = { DATABASE_URL: "postgresql://flip:pw-123456@db.internal:6543/flip" };

function harness(check: MigrationCheck, codes: { migrate?: number; seed?: number } = {}) {
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
    migrateWithPrisma: vi.fn<DeployDependencies["migrateWithPrisma"]>(async () => codes.migrate ?? 0),
    seed: vi.fn<DeployDependencies["seed"]>(async () => codes.seed ?? 0),
    output: sink((text) => (printed += text)),
  };
  return {
    deps,
    run: (argv: string[]) => deploy(argv, ENV, logger, deps),
    lines: () =>
      logged
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { level: string; msg: string }),
    printed: () => printed,
  };
}

const UP_TO_DATE: MigrationCheck = { upToDate: true, applied: 3 };
const PENDING: MigrationCheck = { upToDate: false, reason: "20270101000000_more is pending" };

describe("deploy", () => {
  it("with every migration applied, does not start Prisma's CLI and runs the seed in-process with its flags", async () => {
    const h = harness(UP_TO_DATE);
    expect(await h.run(["--wait-for-db", "5", "--", "--strict", "--users", "my users.json"])).toBe(0);
    expect(h.deps.waitForDatabase).toHaveBeenCalledWith(ENV.DATABASE_URL, "db.internal:6543", 5);
    expect(h.deps.checkMigrations).toHaveBeenCalledWith(ENV.DATABASE_URL);
    expect(h.deps.migrateWithPrisma).not.toHaveBeenCalled();
    expect(h.deps.seed).toHaveBeenCalledWith(["--strict", "--users", "my users.json"]);
    expect(h.lines().map((line) => line.msg)).toEqual([
      "all 3 migrations are applied: nothing for prisma migrate deploy to do",
      "running the seed",
    ]);
  });

  it("with anything to migrate, runs prisma migrate deploy first, saying why", async () => {
    const h = harness(PENDING);
    expect(await h.run([])).toBe(0);
    expect(h.deps.migrateWithPrisma).toHaveBeenCalledOnce();
    expect(h.deps.migrateWithPrisma.mock.invocationCallOrder[0]).toBeLessThan(h.deps.seed.mock.invocationCallOrder[0]!);
    expect(h.lines()[0]?.msg).toBe("running prisma migrate deploy (20270101000000_more is pending)");
  });

  it("when prisma migrate deploy fails, exits 1 and never seeds", async () => {
    const h = harness(PENDING, { migrate: 1 });
    expect(await h.run([])).toBe(1);
    expect(h.deps.seed).not.toHaveBeenCalled();
    expect(
      h
        .lines()
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["prisma migrate deploy failed (exit 1); the seed was not run"]);
  });

  it.each([1, 2])("exits with the seed's own code (%i), saying so", async (code) => {
    const h = harness(UP_TO_DATE, { seed: code });
    expect(await h.run([])).toBe(code);
    expect(h.lines().at(-1)).toMatchObject({ level: "fatal", msg: `the seed failed (exit ${code}); see its lines above` });
  });

  it("--wait-for-db 0 does not wait; the default waits 30 s", async () => {
    const none = harness(UP_TO_DATE);
    await none.run(["--wait-for-db", "0"]);
    expect(none.deps.waitForDatabase).not.toHaveBeenCalled();
    const byDefault = harness(UP_TO_DATE);
    await byDefault.run([]);
    expect(byDefault.deps.waitForDatabase).toHaveBeenCalledWith(ENV.DATABASE_URL, "db.internal:6543", 30);
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
