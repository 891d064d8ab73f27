/**
 * Behind a real PgBouncer (Debian's package): flip-db-deploy and the doctor
 * tell a transaction-mode pooler, where Prisma Migrate's session lock protects
 * nothing, from PostgreSQL itself and from a session-mode pooler; DIRECT_URL
 * sends migrations past the pooler while the seed goes through it, `?schema=`
 * included. The replicas booting at once and the crashes are in
 * test/reliability/pooler.pgbouncer.test.ts.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { probeTransactionPooler } from "../../src/shared/postgres/pooler-probe.js";

import { flipDbDeploy, logLines, output, ROOT, shippedMigrationNames } from "../support/commands.js";
import { grants, migrationHistory, tablesBySchema, withSchema } from "../support/database-state.js";
import { startPgBouncer, type PgBouncer } from "../support/pgbouncer.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario } from "../support/seed-fixture.js";
import { freshDatabase, stack } from "../support/stack.js";

const MANIFEST = [entry("ada.pooled@example.org", "Admin"), entry("ben.pooled@example.org", "Viewer")];
const POOL = MANIFEST.map(({ email }) => ({ email }));
const POOLER_LINE =
  /^DATABASE_URL reaches 127\.0\.0\.1:\d+ through a transaction-mode pooler \(.+\): migrations need a direct connection, as Prisma Migrate's lock lasts a session: set DIRECT_URL to PostgreSQL itself \(the seed keeps using DATABASE_URL\); nothing was migrated or seeded$/;

function doctor(env: Record<string, string>) {
  return runCommand("node", ["bin/doctor.js"], { cwd: ROOT, env, timeoutMs: 120_000 });
}

const databaseName = (url: string) => new URL(url).pathname.slice(1);
const fatalLines = (result: Awaited<ReturnType<typeof flipDbDeploy>>) =>
  logLines(result)
    .filter((line) => line.level === "fatal")
    .map((line) => line.msg);

describe("behind PgBouncer", () => {
  let transaction: PgBouncer;
  let roundRobin: PgBouncer;
  let session: PgBouncer;

  beforeAll(async () => {
    const users = [{ name: "postgres", password: stack().postgresPassword }];
    const port = stack().postgresPort;
    // A pool smaller than the replicas a platform boots at once, as the reliability suite boots them.
    [transaction, roundRobin, session] = await Promise.all([
      startPgBouncer({ postgresPort: port, mode: "transaction", poolSize: 2, users }),
      startPgBouncer({ postgresPort: port, mode: "transaction", poolSize: 5, roundRobin: true, users }),
      startPgBouncer({ postgresPort: port, mode: "session", poolSize: 10, users }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([transaction?.stop(), roundRobin?.stop(), session?.stop()]);
  });

  it("the probe: a transaction pooler whether it hands out the last-used server or each in turn; never PostgreSQL or a session pooler", async () => {
    const database = stack().postgresAdminUrl;
    const verdict = (url: string) => probeTransactionPooler({ url, timeoutMs: 5_000, queryTimeoutMs: 5_000 });
    // Three server connections idle in the round-robin pooler, three transactions at once having opened them: it then hands them out in turn.
    const warm = await Promise.all(
      [1, 2, 3].map(async () => {
        const client = new pg.Client({ connectionString: roundRobin.url(database) });
        await client.connect();
        await client.query("BEGIN");
        return client;
      }),
    );
    const opened = await Promise.all(
      warm.map(async (client) => (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid),
    );
    expect(new Set(opened).size).toBe(3);
    for (const client of warm) await client.query("COMMIT").then(() => client.end());
    // Five times each: a verdict that depended on luck would show.
    for (let i = 0; i < 5; i++) {
      expect(await verdict(transaction.url(database))).toEqual({
        transactionPooler: true,
        evidence: expect.stringMatching(/^two connections open at once shared PostgreSQL session \d+$/) as unknown,
      });
      expect(await verdict(roundRobin.url(database))).toEqual({
        transactionPooler: true,
        evidence: expect.stringMatching(
          /^(one connection's statements ran in PostgreSQL sessions \d+ and \d+|two connections open at once shared PostgreSQL session \d+)$/,
        ) as unknown,
      });
      expect(await verdict(session.url(database))).toEqual({ transactionPooler: false });
      expect(await verdict(database)).toEqual({ transactionPooler: false });
    }
  });

  it("transaction mode, nothing to migrate: boots as before, seeding through the pooler, with no probe", async () => {
    const s = await scenario(POOL, MANIFEST);
    const result = await flipDbDeploy({ ...s.env, DATABASE_URL: transaction.url(s.databaseUrl) });
    expect(result.code, output(result)).toBe(0);
    expect(logLines(result).map((line) => line.msg)).toContainEqual(expect.stringMatching(/^all \d+ migrations are applied/));
    expect(result.stdout).not.toContain("pooler");
    expect((await grants(s.databaseUrl)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);
  });

  it("transaction mode, something to migrate, no DIRECT_URL: stops before Prisma's CLI with one line, exit 1, nothing written", async () => {
    const s = await scenario(POOL, MANIFEST);
    const empty = await freshDatabase("pooled");
    const result = await flipDbDeploy({ ...s.env, DATABASE_URL: transaction.url(empty) });
    expect(result.code, output(result)).toBe(1);
    expect(fatalLines(result)).toEqual([expect.stringMatching(POOLER_LINE)]);
    // Prisma's CLI never started: it prints its datasource first thing.
    expect(output(result)).not.toContain("Datasource");
    expect(await tablesBySchema(empty)).toEqual([]);
  });

  it("transaction mode with DIRECT_URL and ?schema=: migrates directly, seeds through the pooler, all in the schema", async () => {
    const s = await scenario(POOL, MANIFEST);
    const empty = withSchema(await freshDatabase("split"), "flip_users");
    const before = await transaction.transactions(databaseName(empty));
    const result = await flipDbDeploy({ ...s.env, DATABASE_URL: transaction.url(empty), DIRECT_URL: empty });
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("running prisma migrate deploy");
    expect(await tablesBySchema(empty)).toEqual(
      ["_prisma_migrations", "roles", "seed_grant", "user_profile", "user_role"].map((table) => `flip_users.${table}`),
    );
    expect((await migrationHistory(empty, "flip_users")).map((row) => row.migration_name)).toEqual(await shippedMigrationNames());
    // The seed's transaction went through PgBouncer; the migrations did not need it.
    expect(await transaction.transactions(databaseName(empty))).toBeGreaterThan(before);
  });

  it("the doctor fails 'direct connection' through the transaction pooler, and passes once DIRECT_URL goes to PostgreSQL", async () => {
    const s = await scenario(POOL, MANIFEST);
    const pooled = { ...s.env, DATABASE_URL: transaction.url(s.databaseUrl) };
    const failing = await doctor(pooled);
    expect(failing.code, output(failing)).toBe(1);
    expect(failing.stdout).toMatch(
      /^FAIL {2}direct connection {3}DATABASE_URL reaches 127\.0\.0\.1:\d+ through a transaction-mode pooler \(.+\): migrations need a direct connection, as Prisma Migrate's lock lasts a session: set DIRECT_URL to PostgreSQL itself \(the seed keeps using DATABASE_URL\)$/m,
    );
    expect(failing.stdout).toMatch(/^SKIP {2}migrations {10}skipped \(needs direct connection\)$/m);
    expect(failing.stdout.match(/^FAIL/gm)).toHaveLength(1);

    const split = await doctor({ ...pooled, DIRECT_URL: s.databaseUrl });
    expect(split.code, output(split)).toBe(0);
    expect(split.stdout).toMatch(/^PASS {2}direct connection {3}migrations use DIRECT_URL, /m);
  });

  it("session mode is not a transaction pooler: the doctor passes, and flip-db-deploy migrates and seeds through it", async () => {
    const s = await scenario(POOL, MANIFEST);
    const empty = await freshDatabase("session");
    const env = { ...s.env, DATABASE_URL: session.url(empty) };
    const booted = await flipDbDeploy(env);
    expect(booted.code, output(booted)).toBe(0);
    expect(booted.stdout).toContain("running prisma migrate deploy");
    expect((await migrationHistory(empty)).map((row) => row.migration_name)).toEqual(await shippedMigrationNames());
    expect((await grants(empty)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);

    const checked = await doctor(env);
    expect(checked.code, output(checked)).toBe(0);
    expect(checked.stdout).toMatch(/^PASS {2}direct connection {3}migrations use DATABASE_URL \(DIRECT_URL is not set\)/m);
  });
});
