import { AccessDeniedException, ResourceNotFoundException } from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";

import {
  CHECK_NAMES,
  NOBODY,
  runChecklist,
  type CheckName,
  type DoctorDependencies,
  type NamedResult,
} from "../../../src/doctor/checks.js";
import { ManifestError } from "../../../src/manifest/ManifestError.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import type { MigrationRecord } from "../../../src/migrations/history.js";
import { scriptedCognito } from "../../support/scripted-cognito.js";

const ENV: NodeJS.ProcessEnv = {
  DATABASE_URL: "postgresql://flip:SENTINEL-db-pw-1234@db.internal:6543/flip?schema=platform",
  AWS_REGION: "eu-west-2",
  AWS_COGNITO_USER_POOL_ID: "eu-west-2_AbC123",
  SEED_USERS_FILE: "users.json",
};

const USERS: ManifestEntry[] = [
  { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" },
  { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Viewer" },
];

const SHIPPED = ["20260101000000_init", "20260201000000_more"];
const done = (migration_name: string): MigrationRecord => ({ migration_name, finished_at: new Date(0), rolled_back_at: null });

/** Fakes for every probe, each recording that it was called and with what. */
function fakes(overrides: Partial<DoctorDependencies> = {}) {
  const calls: Array<[string, unknown]> = [];
  const base: DoctorDependencies = {
    loadManifest: async () => USERS,
    pingDatabase: async () => ({ serverVersion: "18.1" }),
    probeTransactionPooler: async () => ({ transactionPooler: false }),
    readMigrationHistory: async () => SHIPPED.map(done),
    listMigrations: async () => SHIPPED,
    openDirectory: scriptedCognito().open,
    ...overrides,
  };
  const deps = Object.fromEntries(
    Object.entries(base).map(([name, probe]) => [
      name,
      (argument?: unknown) => {
        calls.push([name, argument]);
        return (probe as (argument?: unknown) => Promise<unknown>)(argument);
      },
    ]),
  ) as unknown as DoctorDependencies;
  return { deps, calls, called: (name: keyof DoctorDependencies) => calls.filter(([called]) => called === name).map(([, arg]) => arg) };
}

function run(options: { env?: NodeJS.ProcessEnv; usersFile?: string; overrides?: Partial<DoctorDependencies> } = {}) {
  const f = fakes(options.overrides);
  const streamed: NamedResult[] = [];
  const results = runChecklist({ env: options.env ?? ENV, usersFile: options.usersFile, deps: f.deps }, (result) => streamed.push(result));
  return { ...f, results, streamed };
}

const byName = (results: readonly NamedResult[], name: CheckName) => results.find((result) => result.name === name)!;
const statuses = (results: readonly NamedResult[]) => results.map((result) => result.status);

/** A pg-style error: pg sets `code` to the SQLSTATE or Node's errno. */
const pgError = (code: string | undefined, message: string) => Object.assign(new Error(message), code === undefined ? {} : { code });
const cognitoError = <T>(Exception: new (options: never) => T) =>
  new Exception({ message: "from Cognito", $metadata: { httpStatusCode: 400 } } as never);

describe("the checklist", () => {
  it("runs the seven checks in order and says what each found when all pass", async () => {
    const { results, streamed } = run();
    expect(await results).toEqual([
      { name: "configuration", status: "pass", detail: "database flip at db.internal:6543; user pool eu-west-2_AbC123 in eu-west-2" },
      { name: "manifest", status: "pass", detail: "2 users in users.json (1 Admin, 1 Viewer)" },
      { name: "database reachable", status: "pass", detail: "PostgreSQL 18.1 at db.internal:6543, database flip" },
      {
        name: "direct connection",
        status: "pass",
        detail: "migrations use DATABASE_URL (DIRECT_URL is not set): one session per connection, no transaction-mode pooler",
      },
      { name: "migrations", status: "pass", detail: "2 of 2 applied, the latest 20260201000000_more" },
      { name: "Cognito user pool", status: "pass", detail: 'eu-west-2_AbC123 ("flip-users") in eu-west-2, about 42 users' },
      { name: "Cognito lookups", status: "pass", detail: "the credentials may call ListUsers on eu-west-2_AbC123" },
    ]);
    expect(streamed.map((result) => result.name)).toEqual([...CHECK_NAMES]);
  });

  it("gives the probes the seed's settings: the URL's schema, a 5 s connect timeout, the Cognito timeouts", async () => {
    const f = run({ env: { ...ENV, SEED_COGNITO_CONNECT_TIMEOUT_MS: "1500", SEED_COGNITO_REQUEST_TIMEOUT_MS: "2500" } });
    await f.results;
    expect(f.called("pingDatabase")).toEqual([
      {
        url: ENV.DATABASE_URL,
        variable: "DATABASE_URL",
        location: "db.internal:6543",
        database: "flip",
        schema: "platform",
        connectTimeoutMs: 5_000,
      },
    ]);
    // Without DIRECT_URL, migrations are checked where the seed goes.
    expect(f.called("probeTransactionPooler")).toEqual(f.called("pingDatabase"));
    expect(f.called("readMigrationHistory")).toEqual(f.called("pingDatabase"));
    const cognito = { region: "eu-west-2", userPoolId: "eu-west-2_AbC123", connectTimeoutMs: 1_500, requestTimeoutMs: 2_500 };
    expect(f.called("openDirectory")).toEqual([cognito, cognito]);
  });

  it("waits for the database as long as SEED_DATABASE_CONNECT_TIMEOUT_MS says, when it is set; public is the default schema", async () => {
    const f = run({ env: { ...ENV, DATABASE_URL: "postgresql://flip@db.internal/flip", SEED_DATABASE_CONNECT_TIMEOUT_MS: "12000" } });
    await f.results;
    expect(f.called("pingDatabase")).toEqual([
      {
        url: "postgresql://flip@db.internal/flip",
        variable: "DATABASE_URL",
        location: "db.internal:5432",
        database: "flip",
        schema: "public",
        connectTimeoutMs: 12_000,
      },
    ]);
  });

  describe("configuration", () => {
    it("lists each bad variable, still checks the manifest, and skips what needs the configuration without contacting anything", async () => {
      const env = { DATABASE_URL: "mysql://db/flip", AWS_COGNITO_USER_POOL_ID: "eu-west-2_AbC123" };
      const f = run({ env });
      const results = await f.results;
      expect(results[0]).toEqual({
        name: "configuration",
        status: "fail",
        detail:
          "DATABASE_URL: must be a postgresql:// URL with a host (or ?host=/socket/directory); " +
          "AWS_REGION: is required (the Cognito user pool's region, e.g. eu-west-2)",
      });
      expect(results[1]).toMatchObject({ name: "manifest", status: "pass" });
      expect(f.called("loadManifest")).toEqual(["prisma/seed-users.json"]);
      for (const name of ["database reachable", "direct connection", "migrations", "Cognito user pool", "Cognito lookups"] as const) {
        expect(byName(results, name)).toEqual({ name, status: "skip", detail: "skipped (needs configuration)" });
      }
      expect(f.calls.map(([name]) => name)).toEqual(["loadManifest"]);
    });
  });

  describe("manifest", () => {
    it("reads --users over SEED_USERS_FILE", async () => {
      const f = run({ usersFile: "other.json" });
      expect(byName(await f.results, "manifest").detail).toBe("2 users in other.json (1 Admin, 1 Viewer)");
      expect(f.called("loadManifest")).toEqual(["other.json"]);
    });

    it("fails with the manifest's own problems, naming the file once; the other checks still run", async () => {
      const missing = new ManifestError(["manifest users.json: cannot be read (file not found); set SEED_USERS_FILE or --users"]);
      const results = await run({ overrides: { loadManifest: () => Promise.reject(missing) } }).results;
      expect(byName(results, "manifest")).toEqual({
        name: "manifest",
        status: "fail",
        detail: "users.json: cannot be read (file not found); set SEED_USERS_FILE or --users",
      });
      expect(statuses(results)).toEqual(["pass", "fail", "pass", "pass", "pass", "pass", "pass"]);
    });

    it("shows three problems of many and counts the rest", async () => {
      const problems = [0, 1, 2, 3, 4].map(
        (index) => `manifest users.json: users[${index}].role: must be one of Admin, Researcher, Viewer`,
      );
      const results = await run({ overrides: { loadManifest: () => Promise.reject(new ManifestError(problems)) } }).results;
      expect(byName(results, "manifest").detail).toBe(
        "users.json: users[0].role: must be one of Admin, Researcher, Viewer; " +
          "users.json: users[1].role: must be one of Admin, Researcher, Viewer; " +
          "users.json: users[2].role: must be one of Admin, Researcher, Viewer; and 2 more problems",
      );
    });

    it("counts one user in the singular", async () => {
      const results = await run({ overrides: { loadManifest: async () => [USERS[0]!] } }).results;
      expect(byName(results, "manifest").detail).toBe("1 user in users.json (1 Admin)");
    });
  });

  describe("database reachable", () => {
    it.each([
      [
        "refused",
        pgError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:6543"),
        "cannot reach the database at db.internal:6543: check DATABASE_URL and that PostgreSQL is running",
      ],
      [
        "unknown host",
        pgError("ENOTFOUND", "getaddrinfo ENOTFOUND db.internal"),
        "cannot reach the database at db.internal:6543: check DATABASE_URL and that PostgreSQL is running",
      ],
      [
        "wrong password",
        pgError("28P01", 'password authentication failed for user "flip"'),
        "the database at db.internal:6543 refused the credentials in DATABASE_URL: check its user and password",
      ],
      [
        "no such database",
        pgError("3D000", 'database "flip" does not exist'),
        "the database named in DATABASE_URL does not exist at db.internal:6543: run npx prisma migrate deploy first",
      ],
      [
        "silent server",
        pgError(undefined, "Connection terminated due to connection timeout"),
        "the database at db.internal:6543 did not answer in time: check the network and SEED_DATABASE_CONNECT_TIMEOUT_MS",
      ],
      [
        "dropped connection",
        pgError(undefined, "Connection terminated unexpectedly"),
        "the connection to the database at db.internal:6543 was lost",
      ],
      [
        "anything else",
        pgError("XX000", "internal error\nwith detail"),
        "the database at db.internal:6543 failed the check (XX000: internal error): check DATABASE_URL and the server's log",
      ],
    ])("%s: fails in the seed's words and skips the migration checks", async (_label, error, detail) => {
      const f = run({ overrides: { pingDatabase: () => Promise.reject(error) } });
      const results = await f.results;
      expect(byName(results, "database reachable")).toEqual({ name: "database reachable", status: "fail", detail });
      expect(byName(results, "direct connection")).toEqual({
        name: "direct connection",
        status: "skip",
        detail: "skipped (needs database reachable)",
      });
      expect(byName(results, "migrations")).toEqual({ name: "migrations", status: "skip", detail: "skipped (needs direct connection)" });
      expect(statuses(results)).toEqual(["pass", "pass", "fail", "skip", "skip", "pass", "pass"]);
      expect(f.called("probeTransactionPooler")).toEqual([]);
      expect(f.called("readMigrationHistory")).toEqual([]);
    });
  });

  describe("direct connection", () => {
    const DIRECT_URL = "postgresql://owner:SENTINEL-direct-pw-99@db-primary.internal:5432/flip?schema=platform";
    const POOLED = { transactionPooler: true as const, evidence: "two connections open at once shared PostgreSQL session 4242" };

    it("a transaction pooler in DATABASE_URL, with no DIRECT_URL: fails, says to set DIRECT_URL, and skips the migrations", async () => {
      const f = run({ overrides: { probeTransactionPooler: async () => POOLED } });
      const results = await f.results;
      expect(byName(results, "direct connection")).toEqual({
        name: "direct connection",
        status: "fail",
        detail:
          "DATABASE_URL reaches db.internal:6543 through a transaction-mode pooler (two connections open at once shared PostgreSQL session 4242): " +
          "migrations need a direct connection, as Prisma Migrate's lock lasts a session: " +
          "set DIRECT_URL to PostgreSQL itself (the seed keeps using DATABASE_URL)",
      });
      expect(statuses(results)).toEqual(["pass", "pass", "pass", "fail", "skip", "pass", "pass"]);
      expect(f.called("readMigrationHistory")).toEqual([]);
    });

    it("with DIRECT_URL: probes it and reads the migration history through it; the seed's URL is only pinged", async () => {
      const f = run({ env: { ...ENV, DIRECT_URL } });
      const results = await f.results;
      expect(byName(results, "configuration").detail).toBe(
        "database flip at db.internal:6543 (migrations: DIRECT_URL, db-primary.internal:5432); user pool eu-west-2_AbC123 in eu-west-2",
      );
      expect(byName(results, "direct connection")).toEqual({
        name: "direct connection",
        status: "pass",
        detail:
          "migrations use DIRECT_URL, database flip at db-primary.internal:5432: one session per connection, no transaction-mode pooler",
      });
      const direct = {
        url: DIRECT_URL,
        variable: "DIRECT_URL",
        location: "db-primary.internal:5432",
        database: "flip",
        schema: "platform",
        connectTimeoutMs: 5_000,
      };
      expect(f.called("pingDatabase")).toEqual([expect.objectContaining({ url: ENV.DATABASE_URL, variable: "DATABASE_URL" })]);
      expect(f.called("probeTransactionPooler")).toEqual([direct]);
      expect(f.called("readMigrationHistory")).toEqual([direct]);
      expect(statuses(results)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", "pass"]);
    });

    it("a DIRECT_URL that is itself a transaction pooler: says to point it at PostgreSQL", async () => {
      const results = await run({ env: { ...ENV, DIRECT_URL }, overrides: { probeTransactionPooler: async () => POOLED } }).results;
      expect(byName(results, "direct connection").detail).toBe(
        "DIRECT_URL reaches db-primary.internal:5432 through a transaction-mode pooler (two connections open at once shared PostgreSQL session 4242): " +
          "migrations need a direct connection, as Prisma Migrate's lock lasts a session: point DIRECT_URL at PostgreSQL itself",
      );
    });

    it("a DIRECT_URL that cannot be reached or logged in to: names DIRECT_URL, not DATABASE_URL", async () => {
      const refused = pgError("28P01", 'password authentication failed for user "owner"');
      const results = await run({ env: { ...ENV, DIRECT_URL }, overrides: { probeTransactionPooler: () => Promise.reject(refused) } })
        .results;
      expect(byName(results, "direct connection")).toEqual({
        name: "direct connection",
        status: "fail",
        detail: "the database at db-primary.internal:5432 refused the credentials in DIRECT_URL: check its user and password",
      });
      expect(byName(results, "migrations").status).toBe("skip");
    });

    it("a DIRECT_URL whose ?schema= differs from DATABASE_URL's fails the configuration", async () => {
      const results = await run({ env: { ...ENV, DIRECT_URL: DIRECT_URL.replace("schema=platform", "schema=public") } }).results;
      expect(byName(results, "configuration")).toEqual({
        name: "configuration",
        status: "fail",
        detail:
          "DIRECT_URL: names schema public but DATABASE_URL names platform: give both the same ?schema=, the schema flip-db's tables live in",
      });
    });
  });

  describe("migrations", () => {
    const migrations = async (overrides: Partial<DoctorDependencies>) => {
      const results = await run({ overrides }).results;
      expect(statuses(results).filter((status) => status !== "pass")).toHaveLength(results[4]!.status === "pass" ? 0 : 1);
      return results[4]!;
    };

    it("an empty database (no _prisma_migrations table): all pending, run migrate deploy", async () => {
      const result = await migrations({
        readMigrationHistory: () => Promise.reject(pgError("42P01", 'relation "platform._prisma_migrations" does not exist')),
      });
      expect(result).toEqual({
        name: "migrations",
        status: "fail",
        detail:
          "no migration applied (no _prisma_migrations table in schema platform of database flip); 2 migrations pending: run npx prisma migrate deploy",
      });
    });

    it("one not applied yet: names it, run migrate deploy", async () => {
      const result = await migrations({ readMigrationHistory: async () => [done(SHIPPED[0]!)] });
      expect(result.status).toBe("fail");
      expect(result.detail).toBe("1 of 2 not applied (20260201000000_more): run npx prisma migrate deploy");
    });

    it("one rolled back counts as not applied", async () => {
      const rolledBack = { ...done(SHIPPED[1]!), finished_at: null, rolled_back_at: new Date(0) };
      const result = await migrations({ readMigrationHistory: async () => [done(SHIPPED[0]!), rolledBack] });
      expect(result.detail).toBe("1 of 2 not applied (20260201000000_more): run npx prisma migrate deploy");
    });

    it("a failed one: names it and points to migrate resolve", async () => {
      const failed = { ...done(SHIPPED[1]!), finished_at: null };
      const result = await migrations({ readMigrationHistory: async () => [done(SHIPPED[0]!), failed] });
      expect(result).toEqual({
        name: "migrations",
        status: "fail",
        detail:
          "20260201000000_more failed to apply: fix the cause (the logs column of _prisma_migrations says it), " +
          "then run npx prisma migrate resolve --rolled-back 20260201000000_more and npx prisma migrate deploy " +
          "(or npx prisma migrate resolve --applied 20260201000000_more if you finished it by hand)",
      });
    });

    it("a migration the package does not ship: the database is ahead of this version", async () => {
      const result = await migrations({ readMigrationHistory: async () => [...SHIPPED, "20260301000000_newer"].map(done) });
      expect(result.status).toBe("fail");
      expect(result.detail).toBe(
        "the database has 1 migration this package does not ship (20260301000000_newer): " +
          "the database is ahead of this version of flip-db: deploy the version that ships them",
      );
    });

    it("a history the database user may not read: the database's own words", async () => {
      const result = await migrations({
        readMigrationHistory: () => Promise.reject(pgError("42501", "permission denied for table _prisma_migrations")),
      });
      expect(result.detail).toBe(
        "the database at db.internal:6543 failed the check (42501: permission denied for table _prisma_migrations): check DATABASE_URL and the server's log",
      );
    });

    it("the package's migrations directory cannot be read", async () => {
      const result = await migrations({ listMigrations: () => Promise.reject(pgError("ENOENT", "no such file or directory")) });
      expect(result).toEqual({
        name: "migrations",
        status: "fail",
        detail: "cannot read this package's prisma/migrations (ENOENT): reinstall the package",
      });
    });
  });

  describe("Cognito", () => {
    it("asks the seed's directory to describe itself and to look up an address no account has, closing it after each", async () => {
      const cognito = scriptedCognito();
      await run({ overrides: { openDirectory: cognito.open } }).results;
      expect(cognito.sent).toEqual([
        { command: "DescribeUserPoolCommand", input: { UserPoolId: "eu-west-2_AbC123" } },
        {
          command: "ListUsersCommand",
          input: expect.objectContaining({ UserPoolId: "eu-west-2_AbC123", Filter: `email = "${NOBODY}"` }),
        },
      ]);
      expect(NOBODY).toMatch(/@example\.invalid$/);
      expect(cognito.closed()).toBe(2);
    });

    it("a pool that does not exist fails the pool check with what to fix", async () => {
      const results = await run({
        overrides: { openDirectory: scriptedCognito({ describePool: () => Promise.reject(cognitoError(ResourceNotFoundException)) }).open },
      }).results;
      expect(byName(results, "Cognito user pool")).toEqual({
        name: "Cognito user pool",
        status: "fail",
        detail:
          "DescribeUserPool: the user pool does not exist: check AWS_COGNITO_USER_POOL_ID and AWS_REGION (ResourceNotFoundException, HTTP 400)",
      });
      expect(statuses(results)).toEqual(["pass", "pass", "pass", "pass", "pass", "fail", "pass"]);
    });

    it("a refused ListUsers fails the lookups check only, pointing to the IAM policy", async () => {
      const results = await run({
        overrides: { openDirectory: scriptedCognito({ listUsers: () => Promise.reject(cognitoError(AccessDeniedException)) }).open },
      }).results;
      expect(byName(results, "Cognito lookups")).toEqual({
        name: "Cognito lookups",
        status: "fail",
        detail:
          "ListUsers: the credentials may not make this call on the user pool: grant what docs/iam-policy.json grants (AccessDeniedException, HTTP 400)",
      });
      expect(statuses(results)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", "fail"]);
    });

    it("missing credentials say where credentials come from", async () => {
      const missing = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
      const results = await run({
        overrides: {
          openDirectory: scriptedCognito({ describePool: () => Promise.reject(missing), listUsers: () => Promise.reject(missing) }).open,
        },
      }).results;
      expect(byName(results, "Cognito user pool").detail).toMatch(
        /^DescribeUserPool: no AWS credentials were found: provide them through the default credential chain/,
      );
      expect(byName(results, "Cognito lookups").detail).toMatch(/^ListUsers: no AWS credentials were found/);
    });

    it("an unreachable Cognito is a failure too, with advice to retry and check the network", async () => {
      const timeout = Object.assign(new Error("Request timed out"), { name: "TimeoutError", code: "ETIMEDOUT" });
      const results = await run({ overrides: { openDirectory: scriptedCognito({ describePool: () => Promise.reject(timeout) }).open } })
        .results;
      expect(byName(results, "Cognito user pool")).toEqual({
        name: "Cognito user pool",
        status: "fail",
        detail:
          "DescribeUserPool: Cognito unavailable or unreachable (TimeoutError): try again; if it persists, check that this host can reach Cognito in eu-west-2",
      });
    });

    it("a pool without a size (as cognito-local answers) or a name is still a pass", async () => {
      const results = await run({ overrides: { openDirectory: scriptedCognito({ describePool: async () => ({ UserPool: {} }) }).open } })
        .results;
      expect(byName(results, "Cognito user pool")).toEqual({
        name: "Cognito user pool",
        status: "pass",
        detail: "eu-west-2_AbC123 in eu-west-2",
      });
    });
  });

  it("a check that throws is reported as a bug in one line, and the rest still run", async () => {
    const results = await run({ overrides: { loadManifest: () => Promise.reject(new TypeError("x is not a function\n    at somewhere")) } })
      .results;
    expect(byName(results, "manifest")).toEqual({
      name: "manifest",
      status: "fail",
      detail: "unexpected error (x is not a function): this is a bug",
    });
    expect(statuses(results)).toEqual(["pass", "fail", "pass", "pass", "pass", "pass", "pass"]);
  });
});
