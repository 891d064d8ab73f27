import { describe, expect, it } from "vitest";

import { mock } from "vitest-mock-extended";
import { exitCodeFor } from "../../../src/shared/cli/exit-codes.js";

import { DatabaseError } from "../../../src/database/DatabaseError.js";
import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { ManifestError } from "../../../src/manifest/ManifestError.js";
import { ensureUserAndRole } from "../../../src/seed/ensure-user-and-role.js";
import { seedMainUsers } from "../../../src/seed/seed-main-users.js";
import { StrictModeError } from "../../../src/seed/StrictModeError.js";
import { UnexpectedError } from "../../../src/shared/errors.js";
import type { SeedLogger } from "../../../src/shared/logging.js";
import { ROLES } from "../../../src/shared/roles.js";
import { fakeDirectory, type ScriptedAnswer } from "../../support/fake-directory.js";
import { MOCK_CONNECTION, mockDatabase } from "../../support/mock-database.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const alice: ManifestEntry = { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" };
const bob: ManifestEntry = { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Viewer" };
const SECRET = "SENTINEL-aws-secret-7f3a";

/** A directory that knows only Alice; `answer` scripts other lookups. */
function directoryWith(answer?: (email: string) => Promise<ScriptedAnswer>) {
  return fakeDirectory([], {
    lookup: (email) =>
      answer ? answer(email) : Promise.resolve(email === alice.email ? { status: "resolved", sub: ALICE } : { status: "not_found" }),
  });
}

describe("seedMainUsers", () => {
  it("resolves, applies in one transaction and returns the report, skipped users included", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    const report = await seedMainUsers(db, { users: [alice, bob], directory: directoryWith(), requestsPerSecond: 1_000 });
    expect(report).toMatchObject({
      status: "ok",
      counts: { resolved: 1, not_found: 1 },
      written: { roles: 0, profilesCreated: 1, userRoles: 1, seedGrants: 1 },
      lookup: { strategy: "filter", calls: 2 },
    });
    expect(report.users).toEqual([
      {
        entry: 0,
        email: "a***@example.org",
        role: "Admin",
        outcome: "resolved",
        profile: "create",
        grant: "grant",
        trustScopedRoles: 0,
        heldRoles: [],
      },
      { entry: 1, email: "b***@example.org", role: "Viewer", outcome: "not_found", reason: "no Cognito account has this email" },
    ]);
    // The exit code is the command's to decide, not the library's.
    expect(report).not.toHaveProperty("exitCode");
    expect(db.$transaction).toHaveBeenCalledTimes(1);
    expect(tx.userProfile.createMany).toHaveBeenCalledWith({
      data: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      skipDuplicates: true,
    });
  });

  it("connects to the database only once the directory has answered for everyone", async () => {
    const { db } = mockDatabase();
    const connectedDuringLookup: boolean[] = [];
    const directory = directoryWith(async (email) => {
      connectedDuringLookup.push(db.$connect.mock.calls.length > 0);
      return email === alice.email ? { status: "resolved", sub: ALICE } : { status: "not_found" };
    });
    await seedMainUsers(db, { users: [alice, bob], directory });
    expect(connectedDuringLookup).toEqual([false, false]);
    expect(db.$connect).toHaveBeenCalledTimes(1);
  });

  it("refuses a bad entry before any directory call, naming it: ManifestError", async () => {
    const { db } = mockDatabase();
    const directory = directoryWith();
    const error = await seedMainUsers(db, { users: [alice, { ...bob, email: 'bob"@example.org' }], directory }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toMatchObject({
      code: "MANIFEST_INVALID",
      problems: ['seedMainUsers: users[1].email: must not contain a double quote (")'],
    });
    expect(exitCodeFor(error as ManifestError)).toBe(1);
    expect(directory.calls).toEqual([]);
    expect(db.$connect).not.toHaveBeenCalled();
  });

  it("refuses an entry whose role is held per trust, in words of its own, before any directory call", async () => {
    const { db } = mockDatabase();
    const directory = directoryWith();
    const trustAdmin = { ...bob, role: "Trust Admin" } as unknown as ManifestEntry;
    await expect(seedMainUsers(db, { users: [alice, trustAdmin], directory })).rejects.toMatchObject({
      code: "MANIFEST_INVALID",
      problems: [
        "seedMainUsers: users[1].role: Trust Admin is held per trust; the seed grants global roles only (Admin, Researcher or Viewer)",
      ],
    });
    expect(directory.calls).toEqual([]);
    expect(db.$connect).not.toHaveBeenCalled();
  });

  it("refuses an empty list and duplicate emails, as the manifest does", async () => {
    const { db } = mockDatabase();
    await expect(seedMainUsers(db, { users: [], directory: directoryWith() })).rejects.toMatchObject({
      problems: ["seedMainUsers: users: must list at least one user"],
    });
    await expect(
      seedMainUsers(db, { users: [alice, { ...bob, email: "ALICE@example.org" }], directory: directoryWith() }),
    ).rejects.toMatchObject({
      problems: ["seedMainUsers: users[1].email: duplicates users[0].email (emails are compared case-insensitively)"],
    });
  });

  it("with strict, a skipped user throws StrictModeError and nothing is written", async () => {
    const { db } = mockDatabase();
    const error = await seedMainUsers(db, { users: [alice, bob], directory: directoryWith(), strict: true }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(StrictModeError);
    expect((error as StrictModeError).problems).toEqual([
      "--strict: 1 user skipped, nothing written: users[1] b***@example.org (not_found)",
    ]);
    expect(db.$transaction).not.toHaveBeenCalled();
  });

  it("a fatal directory error is thrown as it is, before the database is touched", async () => {
    const { db } = mockDatabase();
    const fatal = new FatalDirectoryError(["Cognito: the user pool does not exist"]);
    await expect(seedMainUsers(db, { users: [alice], directory: directoryWith(() => Promise.reject(fatal)) })).rejects.toBe(fatal);
    expect(db.$connect).not.toHaveBeenCalled();
  });

  it("a database failure throws DatabaseError, in the seed's words", async () => {
    const { db } = mockDatabase();
    db.$transaction.mockRejectedValue(Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" }));
    const error = await seedMainUsers(db, { users: [alice], directory: directoryWith() }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).problems[0]).toMatch(/^database: cannot reach the database at .*; nothing was written$/);
  });

  it("anything else thrown is a bug, never a skip: UnexpectedError with the cause", async () => {
    const { db } = mockDatabase();
    const bug = new TypeError("x is undefined");
    const error = await seedMainUsers(db, { users: [alice], directory: directoryWith(() => Promise.reject(bug)) }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UnexpectedError);
    expect(error).toMatchObject({ code: "UNEXPECTED", problems: ["unexpected error: x is undefined: this is a bug"], cause: bug });
  });

  it("logs to the logger it is given, the database's password and the secrets it is told scrubbed, emails redacted", async () => {
    const { db } = mockDatabase();
    const [password] = MOCK_CONNECTION.secrets;
    const logger = mock<SeedLogger>();
    const directory = directoryWith(async (email) =>
      email === alice.email ? { status: "resolved", sub: ALICE } : { status: "transient", reason: `Cognito said ${SECRET} ${password}` },
    );
    await seedMainUsers(db, { users: [alice, bob], directory, logger, secrets: [SECRET] });
    const warning = logger.warn.mock.calls.map(([fields, message]) => ({ fields, message }));
    expect(warning).toEqual([
      {
        fields: { entry: 1, email: "b***@example.org", role: "Viewer", outcome: "transient", reason: "Cognito said [redacted] [redacted]" },
        message: "users[1] b***@example.org (Viewer): skipped (transient): Cognito said [redacted] [redacted]",
      },
      // One user skipped: the summary is a warning too.
      {
        fields: expect.objectContaining({ counts: expect.objectContaining({ transient: 1 }) }),
        message: expect.stringMatching(/^1 of 2 users seeded, 1 skipped .*; see the skipped users above$/),
      },
    ]);
    const everything = JSON.stringify([logger.debug, logger.info, logger.warn, logger.error, logger.fatal].map((fn) => fn.mock.calls));
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain("alice@example.org");
  });

  it("measures its phases on the performance timeline as it runs, and leaves no entry behind", async () => {
    const { db } = mockDatabase({ roles: ROLES });
    const seen: string[] = [];
    const observer = new PerformanceObserver((list) => seen.push(...list.getEntries().map((entry) => entry.name)));
    observer.observe({ entryTypes: ["measure"] });
    await seedMainUsers(db, { users: [alice], directory: directoryWith() });
    seen.push(...observer.takeRecords().map((entry) => entry.name));
    observer.disconnect();
    expect(seen).toEqual(["flip-db:resolve", "flip-db:connect", "flip-db:apply"]);
    expect(performance.getEntries().filter((entry) => entry.name.startsWith("flip-db:"))).toEqual([]);
  });

  it("names users by their full email when redaction is off", async () => {
    const { db } = mockDatabase();
    const report = await seedMainUsers(db, { users: [alice], directory: directoryWith(), redactEmails: false });
    expect(report.users[0]?.email).toBe("alice@example.org");
  });

  it("in a dry run, plans and writes nothing", async () => {
    const { db, tx } = mockDatabase();
    const report = await seedMainUsers(db, { users: [alice], directory: directoryWith(), dryRun: true });
    expect(report.planned).toMatchObject({ roles: 4, profilesCreated: 1, userRoles: 1, seedGrants: 1 });
    expect(report.written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
    expect(tx.userProfile.createMany).not.toHaveBeenCalled();
  });
});

describe("ensureUserAndRole", () => {
  it("makes sure of one user: looked up, profile created, role granted, in one transaction behind the lock", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    const directory = directoryWith();
    expect(await ensureUserAndRole(db, directory, alice)).toEqual({
      outcome: "resolved",
      sub: ALICE,
      profile: "create",
      grant: "grant",
      trustScopedRoles: 0,
      heldRoles: [],
    });
    expect(directory.calls).toEqual(["lookup alice@example.org"]);
    expect(db.$transaction).toHaveBeenCalledTimes(1);
    expect(tx.$executeRaw).toHaveBeenCalledTimes(1);
    expect(tx.userRole.createMany).toHaveBeenCalledWith({ data: [{ userId: ALICE, roleId: ROLES[0].id }], skipDuplicates: true });
  });

  it("leaves a user it has bootstrapped before as it is", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      userRoles: [{ userId: ALICE, roleId: ROLES[0].id, trustId: null, createdAt: new Date("2026-11-01T00:00:00Z") }],
      seedGrants: [{ userId: ALICE }],
    });
    expect(await ensureUserAndRole(db, directoryWith(), alice)).toEqual({
      outcome: "resolved",
      sub: ALICE,
      profile: "unchanged",
      grant: "keep",
      trustScopedRoles: 0,
      heldRoles: ["Admin"],
    });
    expect(tx.userRole.createMany).not.toHaveBeenCalled();
  });

  it("a bootstrapped user holding Viewer where the manifest says Admin: nothing changed, one warning naming both", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      userRoles: [{ userId: ALICE, roleId: ROLES[2].id, trustId: null, createdAt: new Date("2026-11-01T00:00:00Z") }],
      seedGrants: [{ userId: ALICE }],
    });
    const logger = mock<SeedLogger>();
    expect(await ensureUserAndRole(db, directoryWith(), alice, { logger })).toEqual({
      outcome: "resolved",
      sub: ALICE,
      profile: "unchanged",
      grant: "keep",
      trustScopedRoles: 0,
      heldRoles: ["Viewer"],
      warning: "role_differs",
    });
    expect(tx.userRole.createMany).not.toHaveBeenCalled();
    expect(tx.userRole.deleteMany).not.toHaveBeenCalled();
    expect(logger.warn.mock.calls).toEqual([
      [
        expect.objectContaining({ entry: 0, grant: "keep", heldRoles: ["Viewer"], warning: "role_differs" }),
        "users[0] a***@example.org (Admin): profile unchanged; holds Viewer, not the manifest's Admin: the manifest's role is " +
          "granted once, at bootstrap, and an admin's change stands; to give the user Admin, grant it in the platform",
      ],
    ]);
  });

  it("says how many trust-scoped roles the user holds, and warns of a bootstrap recorded over trust-scoped roles only", async () => {
    const trust = (n: number) => `${n}${n}${n}${n}${n}${n}${n}${n}-0000-4000-8000-000000000000`;
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      userRoles: [1, 2].map((n) => ({
        userId: ALICE,
        roleId: ROLES[3].id,
        trustId: trust(n),
        createdAt: new Date("2026-11-01T00:00:00Z"),
      })),
      seedGrants: [{ userId: ALICE, grantedAt: new Date("2026-11-02T00:00:00Z") }],
    });
    const logger = mock<SeedLogger>();
    expect(await ensureUserAndRole(db, directoryWith(), alice, { logger })).toEqual({
      outcome: "resolved",
      sub: ALICE,
      profile: "unchanged",
      grant: "keep",
      trustScopedRoles: 2,
      heldRoles: [],
      warning: "trust_only_bootstrap",
    });
    expect(tx.userRole.createMany).not.toHaveBeenCalled();
    const warnings = logger.warn.mock.calls.map(([fields, message]) => ({ fields, message }));
    expect(warnings).toEqual([
      {
        fields: expect.objectContaining({ entry: 0, grant: "keep", trustScopedRoles: 2, warning: "trust_only_bootstrap" }),
        message: expect.stringMatching(
          /^users\[0\] a\*\*\*@example\.org \(Admin\): profile unchanged; bootstrapped before, yet holds no global role, .*To give the user Admin, grant it by hand, or delete the user's seed_grant row and the next boot grants it$/,
        ),
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain(trust(1));
  });

  it("refuses a per-trust role before any directory call", async () => {
    const { db } = mockDatabase();
    const directory = directoryWith();
    await expect(ensureUserAndRole(db, directory, { ...alice, role: "Trust Admin" } as unknown as ManifestEntry)).rejects.toMatchObject({
      problems: [
        "ensureUserAndRole: user.role: Trust Admin is held per trust; the seed grants global roles only (Admin, Researcher or Viewer)",
      ],
    });
    expect(directory.calls).toEqual([]);
  });

  it("reports a user the directory cannot vouch for, with the reason, and grants nothing", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    const directory = directoryWith(async () => ({ status: "transient", reason: "Cognito server error (HTTP 503)" }));
    expect(await ensureUserAndRole(db, directory, alice)).toEqual({ outcome: "transient", reason: "Cognito server error (HTTP 503)" });
    expect(await ensureUserAndRole(db, directoryWith(), bob)).toEqual({
      outcome: "not_found",
      reason: "no Cognito account has this email",
    });
    expect(tx.userRole.createMany).not.toHaveBeenCalled();
    expect(tx.userProfile.createMany).not.toHaveBeenCalled();
  });

  it.each([
    ["a double quote", 'alice"@example.org', 'must not contain a double quote (")'],
    ["a backslash", "alice\\@example.org", "must not contain a backslash"],
    ["whitespace", "alice @example.org", "must not contain whitespace"],
    ["a control character", "alice\u0007@example.org", "must not contain control characters"],
  ])("refuses an email holding %s before any directory call", async (_label, email, problem) => {
    const { db } = mockDatabase();
    const directory = directoryWith();
    const error = await ensureUserAndRole(db, directory, { ...alice, email }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([`ensureUserAndRole: user.email: ${problem}`]);
    expect(directory.calls).toEqual([]);
    expect(db.$transaction).not.toHaveBeenCalled();
  });

  it("throws a fatal directory error", async () => {
    const { db } = mockDatabase();
    const fatal = new FatalDirectoryError(["Cognito: the access key is not recognised"]);
    await expect(
      ensureUserAndRole(
        db,
        directoryWith(() => Promise.reject(fatal)),
        alice,
      ),
    ).rejects.toBe(fatal);
  });
});
