import path from "node:path";

import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { CHECK_NAMES } from "../../src/doctor/checks.js";
import { output, prisma, ROOT } from "../support/commands.js";
import { awsError, startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { query } from "../support/postgres.js";
import { runCommand, type CommandResult } from "../support/run-command.js";
import { entry, migratedDatabase, writeManifest } from "../support/seed-fixture.js";
import { environmentFor, freshDatabase, freshPool, stack } from "../support/stack.js";
import { TRUST_SCOPED_ROLES_MIGRATION } from "../support/upgrade-scenario.js";

const EMAIL = "alice.doctor@example.org";
const SECRET_KEY = "SENTINEL-doctor-aws-secret-3d9f";
const SESSION_TOKEN = "SENTINEL-doctor-aws-session-8c1e";
const CHECKS: readonly string[] = CHECK_NAMES;

/** The doctor as an operator runs it: a subprocess of `bin/doctor.js` with its own environment. */
function doctor(env: Record<string, string | undefined>, args: readonly string[] = []): Promise<CommandResult> {
  return runCommand("node", ["bin/doctor.js", ...args], { cwd: ROOT, env, timeoutMs: 120_000 });
}

/** The checklist's lines, by check name: `{ status, detail }`. */
function checklist(result: CommandResult): Map<string, { status: string; detail: string }> {
  const lines = new Map<string, { status: string; detail: string }>();
  for (const line of result.stdout.split("\n")) {
    const match = /^(PASS|FAIL|SKIP) {2}(.+?) {2,}(.*)$/.exec(line);
    const name = CHECKS.find((check) => match?.[2]?.trim() === check);
    if (match && name) lines.set(name, { status: match[1]!, detail: match[3]! });
  }
  return lines;
}

function statuses(result: CommandResult): string[] {
  const lines = checklist(result);
  return CHECKS.map((name) => lines.get(name)?.status ?? "missing");
}

/** No secret and no full email, on either stream. */
function expectNothingLeaked(result: CommandResult, databasePassword: string): void {
  const printed = output(result);
  for (const secret of [SECRET_KEY, SESSION_TOKEN, databasePassword, EMAIL]) expect(printed).not.toContain(secret);
  expect(printed).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

let baseEnv: Record<string, string>;
let userPoolId: string;

beforeAll(async () => {
  const [databaseUrl, pool, manifest] = await Promise.all([
    migratedDatabase(),
    freshPool([{ email: EMAIL }]),
    writeManifest([entry(EMAIL, "Admin"), entry("bob.doctor@example.org", "Viewer")]),
  ]);
  userPoolId = pool.userPoolId;
  baseEnv = {
    ...environmentFor(databaseUrl, pool.userPoolId),
    SEED_USERS_FILE: manifest,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    // Fail fast where Cognito is meant to fail.
    AWS_MAX_ATTEMPTS: "2",
  };
});

describe("npm run doctor against the local stack", () => {
  it("passes every check on a migrated database with an existing pool", async () => {
    const result = await runCommand("npm", ["run", "doctor"], { cwd: ROOT, env: baseEnv, timeoutMs: 120_000 });
    expect(result.code, output(result)).toBe(0);
    expect(statuses(result)).toEqual(["PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS"]);
    expect(result.stdout.match(/^PASS {2}/gm)).toHaveLength(7);
    const lines = checklist(result);
    expect(lines.get("manifest")?.detail).toBe(`2 users in ${baseEnv.SEED_USERS_FILE} (1 Admin, 1 Viewer)`);
    expect(lines.get("database reachable")?.detail).toMatch(/^PostgreSQL \d+\.\d+ at 127\.0\.0\.1:\d+, database seed_[0-9a-f]+$/);
    expect(lines.get("direct connection")?.detail).toBe(
      "migrations use DATABASE_URL (DIRECT_URL is not set): one session per connection, no transaction-mode pooler",
    );
    expect(lines.get("migrations")?.detail).toBe(`2 of 2 applied, the latest ${TRUST_SCOPED_ROLES_MIGRATION}`);
    // cognito-local's EstimatedNumberOfUsers is 0 whatever the pool holds; Cognito's is an estimate anyway.
    expect(lines.get("Cognito user pool")?.detail).toMatch(
      new RegExp(`^${userPoolId} \\("pool-[0-9a-f]+"\\) in eu-west-2(, about \\d+ users?)?$`),
    );
    expect(lines.get("Cognito lookups")?.detail).toBe(`the credentials may call ListUsers on ${userPoolId}`);
    expect(result.stdout).toMatch(/^doctor: all 7 checks passed$/m);
    expectNothingLeaked(result, stack().postgresPassword);
  });

  it("short secrets (a database password seed, the AWS secret local) garble neither the database name nor the pool id", async () => {
    // The database is seed_<hex>: before, its name printed as `[redacted]_<hex>`, and the pool id local_… as `[redacted]_…`.
    const migrated = new URL(await migratedDatabase());
    const role = `short_${migrated.pathname.slice(-6)}`;
    await query(stack().postgresAdminUrl, `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD 'seed'`);
    const databaseUrl = `postgresql://${role}:seed@${migrated.host}${migrated.pathname}`;
    const result = await doctor({ ...baseEnv, DATABASE_URL: databaseUrl, AWS_SECRET_ACCESS_KEY: "local" });
    expect(result.code, output(result)).toBe(0);
    const lines = checklist(result);
    expect(lines.get("database reachable")?.detail).toMatch(new RegExp(`, database ${migrated.pathname.slice(1)}$`));
    expect(lines.get("Cognito user pool")?.detail).toMatch(new RegExp(`^${userPoolId} `));
    expect(userPoolId).toMatch(/^local_/);
    expect(output(result)).not.toContain("[redacted]");
  });

  it("bad configuration: names the variable and skips what needs it", async () => {
    const result = await doctor({ ...baseEnv, AWS_REGION: undefined });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(["FAIL", "PASS", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP"]);
    expect(checklist(result).get("configuration")?.detail).toBe("AWS_REGION: is required (the Cognito user pool's region, e.g. eu-west-2)");
    expect(result.stdout.match(/ skipped \(needs configuration\)$/gm)).toHaveLength(5);
    expectNothingLeaked(result, stack().postgresPassword);
  });

  it("a pool id of another region than AWS_REGION: fails the configuration, naming both", async () => {
    const result = await doctor({ ...baseEnv, AWS_REGION: "eu-west-2", AWS_COGNITO_USER_POOL_ID: "eu-west-1_AbCdEf123" });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)[0]).toBe("FAIL");
    expect(checklist(result).get("configuration")?.detail).toBe(
      "AWS_COGNITO_USER_POOL_ID: names region eu-west-1 but AWS_REGION is eu-west-2: set AWS_REGION to the pool's region",
    );
  });

  it("a missing manifest file (--users over SEED_USERS_FILE): says which file and how to point at another", async () => {
    const missing = path.join(ROOT, ".tmp", "no-such-manifest.json");
    const result = await doctor(baseEnv, ["--users", missing]);
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(["PASS", "FAIL", "PASS", "PASS", "PASS", "PASS", "PASS"]);
    expect(checklist(result).get("manifest")?.detail).toBe(`${missing}: cannot be read (file not found); set SEED_USERS_FILE or --users`);
  });

  it("an unreachable database: names host and port, skips the migration checks", async () => {
    const databaseUrl = `postgresql://${stack().appUser}:${stack().appPassword}@127.0.0.1:1/flip`;
    const result = await doctor({ ...baseEnv, DATABASE_URL: databaseUrl });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(["PASS", "PASS", "FAIL", "SKIP", "SKIP", "PASS", "PASS"]);
    expect(checklist(result).get("database reachable")?.detail).toBe(
      "cannot reach the database at 127.0.0.1:1: check DATABASE_URL and that PostgreSQL is running",
    );
    expect(checklist(result).get("direct connection")?.detail).toBe("skipped (needs database reachable)");
    expect(checklist(result).get("migrations")?.detail).toBe("skipped (needs direct connection)");
    expectNothingLeaked(result, stack().appPassword);
  });

  it("a database without the migrations: says to run migrate deploy, and passes once that is done", async () => {
    const empty = await freshDatabase("doctor");
    const env = { ...baseEnv, ...environmentFor(empty, userPoolId), AWS_SECRET_ACCESS_KEY: SECRET_KEY };
    const before = await doctor(env);
    expect(before.code, output(before)).toBe(1);
    expect(statuses(before)).toEqual(["PASS", "PASS", "PASS", "PASS", "FAIL", "PASS", "PASS"]);
    expect(checklist(before).get("migrations")?.detail).toMatch(
      /^no migration applied \(no _prisma_migrations table in schema public of database doctor_[0-9a-f]+\); 2 migrations pending: run npx prisma migrate deploy$/,
    );

    const deployed = await prisma(["migrate", "deploy"], env);
    expect(deployed.code, output(deployed)).toBe(0);
    const after = await doctor(env);
    expect(after.code, output(after)).toBe(0);
    expect(checklist(after).get("migrations")?.detail).toBe(`2 of 2 applied, the latest ${TRUST_SCOPED_ROLES_MIGRATION}`);
  });

  it("with DIRECT_URL: checks the migrations through it, and names it when it cannot log in", async () => {
    const databaseUrl = await migratedDatabase();
    // The seed's URL without the history (an empty database): only DIRECT_URL's database has it.
    const seedsElsewhere = await freshDatabase("doctor_seed");
    const env = { ...baseEnv, DATABASE_URL: seedsElsewhere, DIRECT_URL: databaseUrl };
    const result = await doctor(env);
    expect(result.code, output(result)).toBe(0);
    expect(checklist(result).get("direct connection")?.detail).toMatch(
      /^migrations use DIRECT_URL, database seed_[0-9a-f]+ at 127\.0\.0\.1:\d+: one session per connection, no transaction-mode pooler$/,
    );
    expect(checklist(result).get("migrations")?.detail).toBe(`2 of 2 applied, the latest ${TRUST_SCOPED_ROLES_MIGRATION}`);

    const wrong = new URL(databaseUrl);
    wrong.password = "SENTINEL-wrong-direct-password";
    const refused = await doctor({ ...env, DIRECT_URL: wrong.toString() });
    expect(refused.code, output(refused)).toBe(1);
    expect(statuses(refused)).toEqual(["PASS", "PASS", "PASS", "FAIL", "SKIP", "PASS", "PASS"]);
    expect(checklist(refused).get("direct connection")?.detail).toMatch(
      /^the database at 127\.0\.0\.1:\d+ refused the credentials in DIRECT_URL: check its user and password$/,
    );
    expectNothingLeaked(refused, "SENTINEL-wrong-direct-password");
  });

  it("a failed migration: names it and points to migrate resolve", async () => {
    const databaseUrl = await migratedDatabase();
    await query(databaseUrl, "UPDATE _prisma_migrations SET finished_at = NULL, logs = 'failed on purpose' WHERE migration_name = $1", [
      TRUST_SCOPED_ROLES_MIGRATION,
    ]);
    const result = await doctor({ ...baseEnv, ...environmentFor(databaseUrl, userPoolId), AWS_SECRET_ACCESS_KEY: SECRET_KEY });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result)).toEqual(["PASS", "PASS", "PASS", "PASS", "FAIL", "PASS", "PASS"]);
    expect(checklist(result).get("migrations")?.detail).toMatch(
      /^20261204135100_trust_scoped_roles failed to apply: .* npx prisma migrate resolve --rolled-back 20261204135100_trust_scoped_roles and npx prisma migrate deploy/,
    );
  });

  it("a wrong pool id: Cognito's ResourceNotFoundException, with the variables to check", async () => {
    const result = await doctor({ ...baseEnv, AWS_COGNITO_USER_POOL_ID: "eu-west-2_doesNotExist0" });
    expect(result.code, output(result)).toBe(1);
    expect(statuses(result).slice(0, 6)).toEqual(["PASS", "PASS", "PASS", "PASS", "PASS", "FAIL"]);
    expect(checklist(result).get("Cognito user pool")?.detail).toBe(
      "DescribeUserPool: the user pool does not exist: check AWS_COGNITO_USER_POOL_ID and AWS_REGION (ResourceNotFoundException, HTTP 400)",
    );
    expect(checklist(result).get("Cognito lookups")?.status).toBe("FAIL");
  });

  describe("behind a Cognito that refuses ListUsers", () => {
    let proxy: FaultProxy | undefined;
    afterEach(() => proxy?.close());

    it("the pool check passes and the lookups check fails, pointing to the IAM policy", async () => {
      proxy = await startFaultProxy(stack().cognitoEndpoint);
      proxy.addFault({ match: { action: "ListUsers" }, fault: awsError("AccessDeniedException", 400) });
      const result = await doctor({ ...baseEnv, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint });
      expect(result.code, output(result)).toBe(1);
      expect(statuses(result)).toEqual(["PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "FAIL"]);
      expect(checklist(result).get("Cognito lookups")?.detail).toBe(
        "ListUsers: the credentials may not make this call on the user pool: grant what docs/iam-policy.json grants (AccessDeniedException, HTTP 400)",
      );
      // One call each: the pool described through the proxy, the refusal not retried.
      expect(proxy.requests.map(({ action, outcome }) => `${action} ${outcome}`)).toEqual([
        "DescribeUserPool forwarded",
        "ListUsers status:400",
      ]);
      expectNothingLeaked(result, stack().postgresPassword);
    });
  });
});
