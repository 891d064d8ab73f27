/**
 * Suite 8: replicas behind a real PgBouncer in transaction mode, with a pool
 * smaller than the replicas. With DATABASE_URL through the pooler and
 * DIRECT_URL to PostgreSQL, four boots at once migrate once and seed once;
 * with no DIRECT_URL, no boot races into Prisma's lock through the pooler (no
 * 42P07, no lock time-out) and the database is never half-migrated; and a
 * boot killed mid-transaction through the pooler leaves the previous state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { FixtureUser } from "../../dev/cognito.js";
import { logLines, output, shippedMigrationNames } from "../support/commands.js";
import { migrationHistory, rowVersions, tableContents, tablesBySchema } from "../support/database-state.js";
import { startPgBouncer, type PgBouncer } from "../support/pgbouncer.js";
import type { CommandResult } from "../support/run-command.js";
import { entry, writeManifest } from "../support/seed-fixture.js";
import { freshPool, stack } from "../support/stack.js";
import { count, mustBeZero, scale } from "./support/figures.js";
import { boot, checkOutput, deployBoot, emptyAppDatabase, seed, sentinelEnvironment } from "./support/runs.js";
import { prepareStrikes, startKillable, type StrikeBench } from "./support/strikes.js";

const REPLICAS = 4;
/** PgBouncer's default_pool_size: fewer server connections than replicas. */
const POOL_SIZE = 2;
const ROUNDS_WITHOUT_DIRECT_URL = scale(10, 3);
const CRASH_USERS = scale(3_000, 1_000);
const KILLS = scale(10, 3);

const ENTRIES = [
  entry("pooled.admin@example.org", "Admin"),
  entry("pooled.researcher@example.org", "Researcher"),
  entry("pooled.viewer@example.org", "Viewer"),
  entry("pooled.missing@example.org", "Viewer"),
];
const POOL: FixtureUser[] = ENTRIES.slice(0, 3).map(({ email }) => ({ email }));

const POOLER_LINE =
  /^DATABASE_URL reaches 127\.0\.0\.1:\d+ through a transaction-mode pooler \(.+\): migrations need a direct connection, as Prisma Migrate's lock lasts a session: set DIRECT_URL to PostgreSQL itself \(the seed keeps using DATABASE_URL\); nothing was migrated or seeded$/;
/** What 0.1.0's boots died of behind a transaction pooler. */
const RACE = /42P07|already exists|advisory lock/;
const FLIP_TABLES = ["_prisma_migrations", "roles", "seed_grant", "user_profile", "user_role"].map((table) => `public.${table}`);

const fatalLines = (result: CommandResult) =>
  logLines(result)
    .filter((line) => line.level === "fatal")
    .map((line) => line.msg);

/** Whether the database was left untouched or migrated whole (every shipped migration, finished, and every table), or neither. */
async function migrationState(databaseUrl: string, shipped: readonly string[]): Promise<"untouched" | "whole" | "half"> {
  const tables = await tablesBySchema(databaseUrl);
  if (tables.length === 0) return "untouched";
  const history = (await migrationHistory(databaseUrl)).map((row) => [row.migration_name, row.finished]);
  const whole =
    JSON.stringify(tables) === JSON.stringify(FLIP_TABLES) &&
    JSON.stringify(history) === JSON.stringify(shipped.map((name) => [name, true]));
  return whole ? "whole" : "half";
}

/** How one boot without DIRECT_URL ended: whether it ran into the race, and whether it stopped with the one line. */
function outcomeOf(result: CommandResult): { raced: boolean; stopped: boolean; acceptable: boolean } {
  const raced = RACE.test(output(result));
  const fatal = fatalLines(result);
  const stopped = result.code === 1 && fatal.length === 1 && POOLER_LINE.test(fatal[0]!);
  return { raced, stopped, acceptable: !raced && (result.code === 0 || stopped) };
}

/** The seed's per-user lines of every run: who was granted, who was created. */
function userLines(results: readonly CommandResult[]) {
  return results.flatMap((result) => logLines(result).filter((line) => typeof line.entry === "number" && typeof line.outcome === "string"));
}

describe("replicas behind PgBouncer in transaction mode", () => {
  let bouncer: PgBouncer;

  beforeAll(async () => {
    bouncer = await startPgBouncer({
      postgresPort: stack().postgresPort,
      mode: "transaction",
      poolSize: POOL_SIZE,
      users: [{ name: stack().appUser, password: stack().appPassword }],
    });
  });
  afterAll(() => bouncer?.stop());

  it(`${REPLICAS} boots at once on a new database, DATABASE_URL through the pooler and DIRECT_URL direct: migrated once, seeded once; then again: nothing written`, async (context) => {
    const pool = await freshPool(POOL);
    const manifest = await writeManifest(ENTRIES);
    const direct = await emptyAppDatabase("split");
    const scenario = {
      env: { ...sentinelEnvironment(bouncer.url(direct), pool.userPoolId, manifest), DIRECT_URL: direct },
      entries: ENTRIES,
    };

    const first = await Promise.all(Array.from({ length: REPLICAS }, () => deployBoot(context, scenario)));
    for (const result of first) expect(result.code, output(result)).toBe(0);
    // Every migration once, finished; only one replica's Prisma CLI applied anything.
    const shipped = await shippedMigrationNames();
    const history = await migrationHistory(direct);
    expect(history.map(({ migration_name, finished }) => ({ migration_name, finished }))).toEqual(
      shipped.map((migration_name) => ({ migration_name, finished: true })),
    );
    expect(first.filter((result) => result.stdout.includes("have been applied"))).toHaveLength(1);
    // Every resolved user created and granted by exactly one replica; the others found it done.
    const lines = userLines(first);
    const resolved = POOL.length;
    expect(lines.filter((line) => line.profile === "create")).toHaveLength(resolved);
    expect(lines.filter((line) => line.grant === "grant")).toHaveLength(resolved);
    const state = await tableContents(direct);
    expect([state.roles.length, state.profiles.length, state.userRoles.length, state.seedGrants.length]).toEqual([
      4,
      resolved,
      resolved,
      resolved,
    ]);

    // Four again, two of each boot the README documents: nothing to migrate, nothing to write.
    const versions = await rowVersions(direct);
    const again = await Promise.all([
      deployBoot(context, scenario),
      deployBoot(context, scenario),
      boot(context, scenario),
      boot(context, scenario),
    ]);
    for (const result of again) expect(result.code, output(result)).toBe(0);
    expect(await rowVersions(direct)).toEqual(versions);
    expect(await migrationHistory(direct)).toEqual(history);

    const booted = [...first, ...again].filter((result) => result.code === 0).length;
    count(context, `pooler: ${REPLICAS} replicas at once with DIRECT_URL (2 rounds)`, 2 * REPLICAS, booted);
  });

  it(
    `${REPLICAS} boots at once through the pooler with no DIRECT_URL, ${ROUNDS_WITHOUT_DIRECT_URL} rounds: no 42P07, no lock time-out, never half-migrated`,
    { timeout: scale(1_800_000, 300_000) },
    async (context) => {
      const pool = await freshPool(POOL);
      const manifest = await writeManifest(ENTRIES);
      const shipped = await shippedMigrationNames();
      let held = 0;
      let races = 0;
      let halfMigrated = 0;
      let stopped = 0;
      for (let round = 1; round <= ROUNDS_WITHOUT_DIRECT_URL; round++) {
        const database = await emptyAppDatabase("pooled");
        const scenario = { env: sentinelEnvironment(bouncer.url(database), pool.userPoolId, manifest), entries: ENTRIES };
        const results = await Promise.all(Array.from({ length: REPLICAS }, () => deployBoot(context, scenario)));

        const state = await migrationState(database, shipped);
        if (state === "half") halfMigrated += 1;
        for (const result of results) {
          const outcome = outcomeOf(result);
          if (outcome.raced) races += 1;
          if (outcome.stopped) stopped += 1;
          if (outcome.acceptable && state !== "half") held += 1;
          expect(outcome.acceptable, output(result)).toBe(true);
        }
        expect(state, `round ${round}`).not.toBe("half");
      }
      const boots = REPLICAS * ROUNDS_WITHOUT_DIRECT_URL;
      console.log(`pooler, no DIRECT_URL: ${boots} boots, ${stopped} stopped with the line, ${boots - stopped} booted`);
      count(context, `pooler: ${REPLICAS} replicas at once without DIRECT_URL (booted or stopped with the line)`, boots, held);
      mustBeZero(context, "pooler: 42P07 or migration lock time-outs", races);
      mustBeZero(context, "rows lost or half-written", halfMigrated);
    },
  );

  describe("a boot killed mid-transaction through the pooler", () => {
    let bench: StrikeBench;
    /** flip-db-deploy as a replica runs it: the seed through the pooler, migrations (none due) directly. */
    const startBoot = (databaseUrl: string, env: Record<string, string>) =>
      startKillable("node", ["bin/deploy.js", "--wait-for-db", "10"], {
        ...env,
        DATABASE_URL: bouncer.url(databaseUrl),
        DIRECT_URL: databaseUrl,
      });

    beforeAll(async () => {
      bench = await prepareStrikes(CRASH_USERS, startBoot, "pooler crash suite");
    });
    afterAll(() => bench?.stop());

    it(`SIGKILL at ${KILLS} random moments of the seed's transaction: the previous state or the new one, then convergence`, async (context) => {
      let survived = 0;
      let mixes = 0;
      let beforeCommit = 0;
      for (let i = 0; i < KILLS; i++) {
        const databaseUrl = await bench.cloneOfPrevious();
        const { result } = await bench.strike(startBoot(databaseUrl, bench.env(databaseUrl)), databaseUrl);
        checkOutput(
          context,
          result,
          bench.entries.map((e) => e.email),
        );
        const left = await bench.stateOf(databaseUrl);
        if (left === "previous") beforeCommit += 1;
        if (left === "mix") mixes += 1;

        // The next boot goes through the same pooler, whose server connection the killed one held.
        const next = await seed(context, {
          env: { ...bench.env(databaseUrl), DATABASE_URL: bouncer.url(databaseUrl) },
          entries: bench.entries,
        });
        const converged = next.code === 0 && (await bench.stateOf(databaseUrl)) === "new";
        if (left !== "mix" && converged) survived += 1;
        expect(left, "a mix of the previous and the new state").not.toBe("mix");
        expect(converged, output(next)).toBe(true);
      }
      console.log(`pooler SIGKILL: ${KILLS} kills, ${beforeCommit} inside the transaction (previous state kept)`);
      count(context, "pooler crash: SIGKILL during the seed's transaction through PgBouncer", KILLS, survived);
      mustBeZero(context, "rows lost or half-written", mixes);
      expect(beforeCommit).toBeGreaterThan(0);
    });
  });
});
