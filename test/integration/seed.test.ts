import { copyFile, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import type { SeedReport } from "../../src/seed/report.js";
import { THROTTLE_RETRIES } from "../../src/seed/resolve/resolve.js";
import { ROLES } from "../../src/shared/roles.js";
import { logLines, output, prisma, seedDirectly, seedThroughPrisma } from "../support/commands.js";
import { grants, profiles, rowCount, rowVersions, seedGrants } from "../support/database-state.js";
import { awsError, startFaultProxy, type Fault, type FaultProxy } from "../support/fault-proxy.js";
import { query } from "../support/postgres.js";
import { entry, scenario } from "../support/seed-fixture.js";
import { environmentFor, freshDatabase, stack } from "../support/stack.js";

const ADMIN = "alice@example.org";
const RESEARCHER = "bob@example.org";
const VIEWER = "carol@example.org";
const MANIFEST = [entry(ADMIN, "Admin"), entry(RESEARCHER, "Researcher"), entry(VIEWER, "Viewer")];
const POOL = [{ email: ADMIN }, { email: RESEARCHER }, { email: VIEWER }];

/** Fast failure settings for runs that meet faults on purpose. */
const QUICK_FAILURE = { SEED_COGNITO_REQUEST_TIMEOUT_MS: "500", SEED_COGNITO_CONNECT_TIMEOUT_MS: "500", AWS_MAX_ATTEMPTS: "2" };

const roleId = (name: string) => ROLES.find((role) => role.name === name)!.id;

describe("the seed through the real CLI", () => {
  it("on a fresh database, migrate deploy then db seed creates the profiles and grants", async () => {
    const fresh = await freshDatabase("fresh");
    const s = await scenario(POOL, MANIFEST);
    const env = { ...s.env, ...environmentFor(fresh, s.userPoolId) };

    const deploy = await prisma(["migrate", "deploy"], env);
    expect(deploy.code, output(deploy)).toBe(0);
    const seed = await seedThroughPrisma(env);
    expect(seed.code, output(seed)).toBe(0);

    const [adminSub, researcherSub, viewerSub] = s.subs as [string, string, string];
    expect(await profiles(fresh)).toEqual(
      [
        { user_id: adminSub, name: "Name of alice", organisation: "Org of alice" },
        { user_id: researcherSub, name: "Name of bob", organisation: "Org of bob" },
        { user_id: viewerSub, name: "Name of carol", organisation: "Org of carol" },
      ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
    expect(await grants(fresh)).toEqual(
      [
        { user_id: adminSub, role: "Admin" },
        { user_id: researcherSub, role: "Researcher" },
        { user_id: viewerSub, role: "Viewer" },
      ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
    );
    expect((await seedGrants(fresh)).map((row) => row.user_id).sort()).toEqual([...s.subs].sort());
    const roles = await query<{ id: string; name: string; description: string }>(
      fresh,
      "SELECT id, name, description FROM roles ORDER BY name",
    );
    expect(roles).toEqual(
      ROLES.map(({ id, name, description }) => ({ id, name, description })).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("a re-run with nothing changed writes zero rows", async () => {
    const s = await scenario(POOL, MANIFEST);
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    const before = await rowVersions(s.databaseUrl);
    expect(before).toHaveLength(ROLES.length + 3 * 3);

    const again = await seedDirectly(s.env, ["--report", path.join(await mkdtemp(path.join(tmpdir(), "r-")), "report.json")]);
    expect(again.code, output(again)).toBe(0);
    expect(await rowVersions(s.databaseUrl)).toEqual(before);
    expect(logLines(again).at(-1)?.msg).toMatch(/3 of 3 users seeded, 0 skipped .*; 0 rows written/);
  });

  it("a changed name or organisation in the manifest updates that profile only", async () => {
    const s = await scenario(POOL, MANIFEST);
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    const before = await query<{ user_id: string; updated_at: Date; xmin: string }>(
      s.databaseUrl,
      "SELECT user_id, updated_at, xmin FROM user_profile",
    );

    const changed = await scenario([], [{ ...MANIFEST[0]!, organisation: "New Trust" }, MANIFEST[1]!, MANIFEST[2]!]);
    const result = await seedThroughPrisma({ ...s.env, SEED_USERS_FILE: changed.manifestPath });
    expect(result.code, output(result)).toBe(0);

    const after = await query<{ user_id: string; organisation: string; updated_at: Date; xmin: string }>(
      s.databaseUrl,
      "SELECT user_id, organisation, updated_at, xmin FROM user_profile",
    );
    const adminSub = s.subs[0]!;
    for (const row of after) {
      const old = before.find((candidate) => candidate.user_id === row.user_id)!;
      if (row.user_id === adminSub) {
        expect(row.organisation).toBe("New Trust");
        expect(row.updated_at.getTime()).toBeGreaterThan(old.updated_at.getTime());
      } else {
        expect(row.xmin).toBe(old.xmin);
        expect(row.updated_at).toEqual(old.updated_at);
      }
    }
  });

  it("an admin's change of a user's role is kept", async () => {
    const s = await scenario(POOL, MANIFEST);
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    const researcherSub = s.subs[1]!;
    await query(s.databaseUrl, "UPDATE user_role SET role_id = $1 WHERE user_id = $2", [roleId("Viewer"), researcherSub]);

    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    expect((await grants(s.databaseUrl)).filter((grant) => grant.user_id === researcherSub)).toEqual([
      { user_id: researcherSub, role: "Viewer" },
    ]);
  });

  it("an admin's removal of all of a user's roles stays removed", async () => {
    const s = await scenario(POOL, MANIFEST);
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    const adminSub = s.subs[0]!;
    await query(s.databaseUrl, "DELETE FROM user_role WHERE user_id = $1", [adminSub]);

    const again = await seedThroughPrisma(s.env);
    expect(again.code).toBe(0);
    expect((await grants(s.databaseUrl)).filter((grant) => grant.user_id === adminSub)).toEqual([]);
  });

  it("a user who already holds roles from elsewhere is not granted more, and a later removal stands", async () => {
    const s = await scenario(POOL, MANIFEST);
    const viewerSub = s.subs[2]!;
    // Seed the roles table first, then give the viewer a role the way an admin would.
    await query(s.databaseUrl, "INSERT INTO roles (id, name, description) VALUES ($1, 'Researcher', $2)", [
      roleId("Researcher"),
      ROLES[1].description,
    ]);
    await query(s.databaseUrl, "INSERT INTO user_role (user_id, role_id) VALUES ($1, $2)", [viewerSub, roleId("Researcher")]);

    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    expect((await grants(s.databaseUrl)).filter((grant) => grant.user_id === viewerSub)).toEqual([
      { user_id: viewerSub, role: "Researcher" },
    ]);
    await query(s.databaseUrl, "DELETE FROM user_role WHERE user_id = $1", [viewerSub]);
    expect((await seedThroughPrisma(s.env)).code).toBe(0);
    expect((await grants(s.databaseUrl)).filter((grant) => grant.user_id === viewerSub)).toEqual([]);
  });

  it("a user missing from Cognito is skipped with a warning; the others are seeded; exit 0", async () => {
    const s = await scenario([{ email: ADMIN }, { email: VIEWER }], MANIFEST);
    const result = await seedThroughPrisma(s.env);
    expect(result.code, output(result)).toBe(0);
    expect(logLines(result)).toContainEqual(
      expect.objectContaining({ level: "warn", outcome: "not_found", email: "b***@example.org", role: "Researcher" }),
    );
    expect((await grants(s.databaseUrl)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);
  });

  it("unverified, disabled and ambiguous accounts never receive a grant", async () => {
    const s = await scenario(
      [{ email: ADMIN, emailVerified: false }, { email: RESEARCHER, enabled: false }, { email: VIEWER }, { email: VIEWER }],
      MANIFEST,
    );
    const result = await seedThroughPrisma(s.env);
    expect(result.code, output(result)).toBe(0);
    const lines = logLines(result);
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", outcome: "ineligible", reason: "email not verified" }));
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", outcome: "ineligible", reason: "account disabled" }));
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", outcome: "ambiguous" }));
    expect(await grants(s.databaseUrl)).toEqual([]);
    expect(await profiles(s.databaseUrl)).toEqual([]);
  });

  it("--dry-run resolves and plans, and writes nothing", async () => {
    const s = await scenario(POOL, MANIFEST);
    const result = await seedThroughPrisma(s.env, ["--dry-run"]);
    expect(result.code, output(result)).toBe(0);
    expect(logLines(result).at(-1)?.msg).toMatch(/^dry run: 3 of 3 users seeded.*; 13 rows would be written$/);
    const users = logLines(result).filter((line) => line.outcome === "resolved");
    expect(users.map((line) => line.msg.replace(/^.*?\): /, ""))).toEqual(Array(3).fill("profile would be created, role would be granted"));
    expect(await rowCount(s.databaseUrl)).toBe(0);
  });

  it("a wrong pool id is fatal: exit 1, nothing written", async () => {
    const s = await scenario(POOL, MANIFEST);
    const env = { ...s.env, AWS_COGNITO_USER_POOL_ID: "eu-west-2_DoesNotExist" };
    const direct = await seedDirectly(env);
    expect(direct.code).toBe(1);
    expect(logLines(direct)).toContainEqual(
      expect.objectContaining({ level: "fatal", msg: expect.stringMatching(/AWS_COGNITO_USER_POOL_ID/) }),
    );
    const viaPrisma = await seedThroughPrisma(env);
    expect(viaPrisma.code).toBe(1);
    expect(await rowCount(s.databaseUrl)).toBe(0);
  });

  it("an unreachable Cognito endpoint skips every user as transient, exit 0; with --strict, exit 1", async () => {
    const s = await scenario(POOL, MANIFEST);
    const env = { ...s.env, ...QUICK_FAILURE, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: "http://127.0.0.1:1" };
    const lenient = await seedThroughPrisma(env);
    expect(lenient.code, output(lenient)).toBe(0);
    expect(logLines(lenient).filter((line) => line.outcome === "transient")).toHaveLength(3);
    expect(logLines(lenient).at(-1)).toMatchObject({
      level: "error",
      msg: expect.stringMatching(/Cognito was unreachable for every user/),
    });
    // Nothing resolved, so only the roles were written.
    expect(await rowCount(s.databaseUrl)).toBe(ROLES.length);

    const strict = await seedDirectly(env, ["--strict"]);
    expect(strict.code).toBe(1);
    expect(logLines(strict).find((line) => line.level === "fatal")?.msg).toMatch(
      /^--strict: 3 users skipped, nothing written: users\[0\] \S+ \(transient\), users\[1\] \S+ \(transient\), users\[2\] \S+ \(transient\)$/,
    );
  });

  it("exit codes: 2 for a usage error run directly, 1 through prisma db seed, and the report says 2", async () => {
    const s = await scenario(POOL, MANIFEST);
    const reportPath = path.join(await mkdtemp(path.join(tmpdir(), "r-")), "report.json");
    const direct = await seedDirectly(s.env, ["--report", reportPath, "--no-such-flag"]);
    expect(direct.code).toBe(2);
    expect(logLines(direct).map((line) => line.msg)).toEqual(["unknown flag --no-such-flag; see --help"]);
    expect(JSON.parse(await readFile(reportPath, "utf8"))).toMatchObject({ exitCode: 2, status: "USAGE" });

    const viaPrisma = await seedThroughPrisma(s.env, ["--no-such-flag"]);
    expect(viaPrisma.code).toBe(1);
  });

  it("--users, --report, and SEED_USERS_FILE with spaces in the path", async () => {
    const s = await scenario(POOL, MANIFEST);
    const spaced = path.join(await mkdtemp(path.join(tmpdir(), "with space-")), "my users.json");
    await copyFile(s.manifestPath, spaced);
    const reportPath = path.join(path.dirname(s.manifestPath), "report.json");
    const result = await seedThroughPrisma({ ...s.env, SEED_USERS_FILE: spaced }, ["--report", reportPath]);
    expect(result.code, output(result)).toBe(0);
    const report = JSON.parse(await readFile(reportPath, "utf8")) as SeedReport;
    expect(report).toMatchObject({ exitCode: 0, status: "ok", counts: { resolved: 3 }, written: { userRoles: 3 } });
    expect(JSON.stringify(report)).not.toContain(ADMIN);

    const other = await scenario([], [entry(ADMIN, "Admin")]);
    const byFlag = await seedThroughPrisma({ ...s.env, SEED_USERS_FILE: "/nonexistent.json" }, [
      "--users",
      other.manifestPath,
      "--dry-run",
    ]);
    expect(byFlag.code, output(byFlag)).toBe(0);
    expect(logLines(byFlag).at(-1)?.msg).toMatch(/1 of 1 users seeded/);
  });
});

describe("the seed with Cognito faults (fault-injecting proxy)", () => {
  let proxy: FaultProxy;
  afterEach(() => proxy?.close());

  // The SDK makes 2 attempts (AWS_MAX_ATTEMPTS=2); throttling is also asked again after pauses, THROTTLE_RETRIES times.
  const throttled = 2 * (1 + THROTTLE_RETRIES);
  const faults: Array<[string, Fault, number]> = [
    ["HTTP 500", { kind: "status", status: 500 }, 2],
    ["HTTP 503", { kind: "status", status: 503, errorType: "InternalErrorException" }, 2],
    ["HTTP 429", { kind: "status", status: 429, body: "" }, throttled],
    ["TooManyRequestsException", awsError("TooManyRequestsException", 400), throttled],
    ["a connection reset", { kind: "reset" }, 2],
    ["a hang", { kind: "hang" }, 2],
  ];

  it.each(faults)("%s for one user skips that user as transient and seeds the others", async (_label, fault, requests) => {
    const s = await scenario(POOL, MANIFEST);
    proxy = await startFaultProxy(stack().cognitoEndpoint);
    proxy.addFault({ match: { email: RESEARCHER }, fault });
    const result = await seedThroughPrisma({ ...s.env, ...QUICK_FAILURE, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint });
    expect(result.code, output(result)).toBe(0);
    expect(logLines(result)).toContainEqual(expect.objectContaining({ level: "warn", outcome: "transient", role: "Researcher" }));
    expect((await grants(s.databaseUrl)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);
    // The faulted user was asked again before being given up on.
    expect(proxy.requests.filter((request) => request.email === RESEARCHER)).toHaveLength(requests);
  });
});
