/**
 * Suite 7: least privilege. The IAM policy the README tells operators to
 * attach (docs/iam-policy.json) must grant exactly the Cognito actions the
 * seed sends, on one user pool, and nothing more; the actions are recorded by
 * the fault proxy (with no faults) over every run that reaches Cognito. In
 * the database, migrations may run as the schema's owner (DIRECT_URL) while
 * the seed runs as a role with rights on its four tables only (DATABASE_URL).
 * And nobody gets a role they should not have: unverified, disabled and
 * ambiguous accounts are never granted, on the first boot or a later one.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import type { FixtureUser } from "../../dev/cognito.js";
import { flipDbDeploy, logLines, output, ROOT } from "../support/commands.js";
import { rowVersions } from "../support/database-state.js";
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from "../support/fault-proxy.js";
import { query } from "../support/postgres.js";
import type { CommandResult } from "../support/run-command.js";
import { entry } from "../support/seed-fixture.js";
import { stack } from "../support/stack.js";
import { count } from "./support/figures.js";
import { boot, checkOutput, reliabilityScenario, seed, type ReliabilityScenario } from "./support/runs.js";

const POLICY_PATH = path.join(ROOT, "docs", "iam-policy.json");

interface PolicyStatement {
  Sid?: string;
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
  [key: string]: unknown;
}

interface PolicyDocument {
  Version?: unknown;
  Statement?: PolicyStatement | PolicyStatement[];
}

async function readPolicy(): Promise<{ document: PolicyDocument; statements: PolicyStatement[] }> {
  const document = JSON.parse(await readFile(POLICY_PATH, "utf8")) as PolicyDocument;
  const statements = document.Statement === undefined ? [] : [document.Statement].flat();
  return { document, statements };
}

/** A policy field that may be one string or a list of them. */
function stringsOf(value: unknown): string[] {
  const values = [value].flat();
  expect(
    values.every((item) => typeof item === "string"),
    `expected a string or a list of strings, got ${JSON.stringify(value)}`,
  ).toBe(true);
  return values as string[];
}

/** One user pool, by ARN: the region, account and pool id may be placeholders, but nothing may be a wildcard. */
const USER_POOL_ARN = /^arn:aws:cognito-idp:[^:*?\s]+:[^:*?\s]+:userpool\/[^/*?\s]+$/;

/** The keys a statement may have: anything else (NotAction, NotResource, Principal) widens or changes its meaning. */
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "Resource", "Condition"]);

describe("least privilege: the IAM policy", () => {
  it("is one pool's ARN, Allow only, with no wildcard and no other kind of statement", async () => {
    const { document, statements } = await readPolicy();
    expect(document.Version).toBe("2012-10-17");
    expect(statements.length).toBeGreaterThan(0);
    const resources = new Set<string>();
    for (const statement of statements) {
      expect(
        Object.keys(statement).filter((key) => !STATEMENT_KEYS.has(key)),
        `statement ${statement.Sid ?? "?"}`,
      ).toEqual([]);
      expect(statement.Effect).toBe("Allow");
      const statementResources = stringsOf(statement.Resource);
      expect(statementResources).toHaveLength(1);
      for (const resource of statementResources) {
        expect(resource).not.toContain("*");
        expect(resource).toMatch(USER_POOL_ARN);
        resources.add(resource);
      }
      for (const action of stringsOf(statement.Action)) {
        expect(action).toMatch(/^cognito-idp:[A-Za-z]+$/);
      }
    }
    // One pool for the whole policy, not one per statement.
    expect([...resources]).toHaveLength(1);
  });
});

describe("least privilege: the actions the seed sends", () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it("every Cognito action of a boot, --dry-run, --strict and missing users is in the policy, and the policy grants no other", async (context) => {
    // Cognito-like: DescribeUserPool tells the pool's size, and ListUsers pages as Cognito does.
    proxy = await startFaultProxy(stack().cognitoEndpoint, { cognitoLike: true });
    const throughProxy = (s: ReliabilityScenario): ReliabilityScenario => ({
      ...s,
      env: { ...s.env, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy!.endpoint },
    });

    const everyoneThere = throughProxy(
      await reliabilityScenario(
        [{ email: "lp.admin@example.org" }, { email: "lp.researcher@example.org" }, { email: "lp.viewer@example.org" }],
        [
          entry("lp.admin@example.org", "Admin"),
          entry("lp.researcher@example.org", "Researcher"),
          entry("lp.viewer@example.org", "Viewer"),
        ],
        { migrated: false },
      ),
    );
    const someMissing = throughProxy(
      await reliabilityScenario(
        [{ email: "lp.present@example.org" }, { email: "lp.unverified@example.org", emailVerified: false }],
        [
          entry("lp.present@example.org", "Admin"),
          entry("lp.unverified@example.org", "Admin"),
          entry("lp.missing.one@example.org", "Viewer"),
          entry("lp.missing.two@example.org", "Researcher"),
        ],
        { migrated: false },
      ),
    );

    // Enough users that a scan of the pool needs fewer calls than a lookup each: the seed asks the pool's size first.
    const manyEmails = Array.from({ length: 70 }, (_, i) => `lp.many${i}@example.org`);
    const many = throughProxy(
      await reliabilityScenario(
        manyEmails.map((email) => ({ email })),
        manyEmails.map((email) => entry(email, "Viewer")),
        { migrated: false },
      ),
    );

    const runs: Array<{ name: string; scenario: ReliabilityScenario; run: () => Promise<CommandResult>; exitCode: number }> = [
      { name: "boot, 70 users (a scan)", scenario: many, run: () => boot(context, many), exitCode: 0 },
      { name: "boot", scenario: everyoneThere, run: () => boot(context, everyoneThere), exitCode: 0 },
      { name: "--dry-run", scenario: everyoneThere, run: () => seed(context, everyoneThere, ["--dry-run"]), exitCode: 0 },
      { name: "--strict, everyone resolved", scenario: everyoneThere, run: () => seed(context, everyoneThere, ["--strict"]), exitCode: 0 },
      { name: "boot, users missing", scenario: someMissing, run: () => boot(context, someMissing), exitCode: 0 },
      { name: "--dry-run, users missing", scenario: someMissing, run: () => seed(context, someMissing, ["--dry-run"]), exitCode: 0 },
      // `npx prisma db seed` reports every failing seed as 1.
      { name: "--strict, users missing", scenario: someMissing, run: () => seed(context, someMissing, ["--strict"]), exitCode: 1 },
    ];

    const seen: ProxiedRequest[] = [];
    for (const { name, scenario, run, exitCode } of runs) {
      proxy.resetCounts();
      const result = await run();
      const requests = proxy.requests;
      seen.push(...requests);
      expect(result.code, `${name}\n${output(result)}`).toBe(exitCode);
      // Each run did reach Cognito, through the proxy: one lookup per manifest entry, or the pool's size and two pages.
      const listUsers = requests.filter((request) => request.action === "ListUsers").map((request) => request.email);
      if (scenario === many) {
        // The pool's size and the first page are asked together, so in either order.
        expect(requests.map((request) => request.action).sort(), name).toEqual(["DescribeUserPool", "ListUsers", "ListUsers"]);
        expect(listUsers, `${name}: unfiltered pages`).toEqual([undefined, undefined]);
      } else {
        expect(listUsers.sort(), `${name}: the lookups the proxy saw`).toEqual(scenario.entries.map((e) => e.email).sort());
      }
      expect(
        requests.every((request) => request.outcome === "forwarded"),
        name,
      ).toBe(true);
    }

    const actionsSeen = new Set(seen.map((request) => `cognito-idp:${request.action}`));
    const { statements } = await readPolicy();
    const granted = new Set(statements.filter((s) => s.Effect === "Allow").flatMap((s) => stringsOf(s.Action)));
    const covered = [...actionsSeen].filter((action) => granted.has(action));
    count(context, "least privilege: Cognito actions covered by docs/iam-policy.json", actionsSeen.size, covered.length);

    expect(
      [...actionsSeen].filter((action) => !granted.has(action)),
      "actions the seed sent that the policy does not grant",
    ).toEqual([]);
    expect(
      [...granted].filter((action) => !actionsSeen.has(action)),
      "actions the policy grants that the seed never sent",
    ).toEqual([]);
    // A new call must be added to the policy (and this line) on purpose.
    expect([...actionsSeen].sort()).toEqual(["cognito-idp:DescribeUserPool", "cognito-idp:ListUsers"]);
  });
});

describe("least privilege: the database roles", () => {
  /** The seed's tables, on which the seed's role gets SELECT, INSERT and UPDATE, and nothing else anywhere. */
  const SEED_TABLES = ["roles", "user_profile", "user_role", "seed_grant"];
  const SEED_ROLE_PASSWORD = "SENTINEL-seed-role-password-7e1d";

  it("migrations as the schema's owner through DIRECT_URL, the seed as a role with rights on its four tables only", async (context) => {
    const scenario = await reliabilityScenario(
      [{ email: "lp.owner.admin@example.org" }],
      [entry("lp.owner.admin@example.org", "Admin"), entry("lp.owner.viewer@example.org", "Viewer")],
      { migrated: false },
    );
    // The owner: the sentinel role, which owns the database (and so its public schema) and runs the migrations.
    const ownerUrl = scenario.databaseUrl;
    const seedRole = `flip_seed_${randomBytes(4).toString("hex")}`;
    await query(stack().postgresAdminUrl, `CREATE ROLE ${seedRole} LOGIN PASSWORD '${SEED_ROLE_PASSWORD}'`);
    const seedUrl = new URL(ownerUrl);
    seedUrl.username = seedRole;
    seedUrl.password = SEED_ROLE_PASSWORD;
    const env = { ...scenario.env, DATABASE_URL: seedUrl.toString(), DIRECT_URL: ownerUrl };
    const emails = scenario.entries.map((e) => e.email);
    const checked = (result: CommandResult) => {
      checkOutput(context, result, emails, env);
      expect(output(result)).not.toContain(SEED_ROLE_PASSWORD);
      return result;
    };

    // Before the tables exist, the seed's role can do nothing: the boot migrates as the owner, then the seed is refused.
    const refused = checked(await flipDbDeploy(env));
    expect(refused.code, output(refused)).toBe(1);
    expect(refused.stdout).toContain("running prisma migrate deploy");
    const owners = await query<{ tableowner: string }>(ownerUrl, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'");
    expect(owners).toEqual([{ tableowner: stack().appUser }]);

    // The operator grants the seed's role its four tables, as the README says; the next boot seeds through it.
    await query(ownerUrl, `GRANT SELECT, INSERT, UPDATE ON ${SEED_TABLES.join(", ")} TO ${seedRole}`);
    const first = checked(await flipDbDeploy(env));
    expect(first.code, output(first)).toBe(0);
    expect(logLines(first).map((line) => line.msg)).toContainEqual(expect.stringMatching(/^all \d+ migrations are applied/));
    expect(await query(ownerUrl, "SELECT r.name FROM user_role ur JOIN roles r ON r.id = ur.role_id")).toEqual([{ name: "Admin" }]);
    const second = checked(await flipDbDeploy(env));
    expect(second.code, output(second)).toBe(0);

    // And that is all it may do: no migration history, no new tables, no deletes.
    const asSeedRole = (sql: string) =>
      query(seedUrl.toString(), sql).then(
        () => "allowed",
        (error: { code?: string }) => error.code,
      );
    expect(await asSeedRole("SELECT * FROM _prisma_migrations")).toBe("42501");
    expect(await asSeedRole("CREATE TABLE intruder (x int)")).toBe("42501");
    expect(await asSeedRole("DELETE FROM user_profile")).toBe("42501");
    expect(await asSeedRole("SELECT count(*) FROM user_profile")).toBe("allowed");
    const boots = [first, second].filter((result) => result.code === 0).length;
    count(context, "least privilege: boots with the seed's role on its four tables only", 2, boots);
  });
});

describe("least privilege: who never receives a grant", () => {
  const POOL: FixtureUser[] = [
    { email: "np.unverified@example.org", emailVerified: false },
    { email: "np.disabled@example.org", enabled: false },
    { email: "np.both@example.org", emailVerified: false, enabled: false },
    { email: "np.shared@example.org" },
    { email: "np.shared@example.org" },
    { email: "np.normal@example.org" },
  ];
  // The dangerous role for every account that must not get one.
  const ENTRIES = [
    entry("np.unverified@example.org", "Admin"),
    entry("np.disabled@example.org", "Admin"),
    entry("np.both@example.org", "Admin"),
    entry("np.shared@example.org", "Admin"),
    entry("np.normal@example.org", "Researcher"),
  ];
  /** What each entry's log line must say, by manifest position. */
  const EXPECTED_LINES = [
    { entry: 0, level: "warn", outcome: "ineligible", reason: "email not verified" },
    { entry: 1, level: "warn", outcome: "ineligible", reason: "account disabled" },
    { entry: 2, level: "warn", outcome: "ineligible", reason: "account disabled and email not verified" },
    { entry: 3, level: "error", outcome: "ambiguous", reason: "2 enabled, verified accounts have this email" },
    { entry: 4, level: "info", outcome: "resolved" },
  ];

  async function usersWithRows(databaseUrl: string): Promise<{ profiles: string[]; userRoles: string[]; seedGrants: string[] }> {
    const ids = async (table: string) =>
      (await query<{ id: string }>(databaseUrl, `SELECT DISTINCT user_id::text AS id FROM ${table} ORDER BY 1`)).map((row) => row.id);
    return { profiles: await ids("user_profile"), userRoles: await ids("user_role"), seedGrants: await ids("seed_grant") };
  }

  function userLines(result: CommandResult) {
    return logLines(result).filter((line) => typeof line.entry === "number" && typeof line.outcome === "string");
  }

  it("unverified, disabled and ambiguous accounts get no profile, role or seed_grant, on the first boot or the next", async (context) => {
    const scenario = await reliabilityScenario(POOL, ENTRIES);
    const subs = scenario.subs.map((sub) => sub.toLowerCase());
    const normal = subs[5]!;
    const forbidden = subs.slice(0, 5);
    const only = { profiles: [normal], userRoles: [normal], seedGrants: [normal] };

    let checked = 0;
    let neverGranted = 0;
    const tally = async () => {
      const rows = await usersWithRows(scenario.databaseUrl);
      for (const sub of forbidden) {
        checked += 1;
        if (![rows.profiles, rows.userRoles, rows.seedGrants].some((ids) => ids.includes(sub))) neverGranted += 1;
      }
      return rows;
    };

    const first = await boot(context, scenario);
    const afterFirst = await tally();
    const versionsAfterFirst = await rowVersions(scenario.databaseUrl);
    const second = await boot(context, scenario);
    const afterSecond = await tally();
    count(context, "never granted: unverified, disabled, ambiguous accounts", checked, neverGranted);

    expect(first.code, output(first)).toBe(0);
    expect(afterFirst).toEqual(only);
    expect(userLines(first)).toEqual(
      EXPECTED_LINES.map((expected) =>
        expect.objectContaining(expected.outcome === "resolved" ? { ...expected, grant: "grant", profile: "create" } : expected),
      ),
    );

    // The ambiguous pair (and the rest) stay ungranted; the second boot writes nothing at all.
    expect(second.code, output(second)).toBe(0);
    expect(afterSecond).toEqual(only);
    expect(await rowVersions(scenario.databaseUrl)).toEqual(versionsAfterFirst);
    expect(userLines(second)).toEqual(
      EXPECTED_LINES.map((expected) =>
        expect.objectContaining(expected.outcome === "resolved" ? { ...expected, grant: "keep", profile: "unchanged" } : expected),
      ),
    );
    const grantedRole = await query<{ name: string }>(
      scenario.databaseUrl,
      "SELECT r.name FROM user_role ur JOIN roles r ON r.id = ur.role_id",
    );
    expect(grantedRole).toEqual([{ name: "Researcher" }]);
    expect(neverGranted).toBe(checked);
  });
});
