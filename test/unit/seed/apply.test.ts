import { describe, expect, it } from "vitest";

import { applySeed, CREATE_BATCH, SEED_LOCK_NAME } from "../../../src/seed/apply.js";
import type { Resolution } from "../../../src/seed/resolve/resolve.js";
import { ROLES } from "../../../src/shared/roles.js";
import { callsBeforeLock, mockDatabase, NOTHING_WRITTEN, rowsWritten } from "../../support/mock-database.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";
const alice: Resolution = {
  user: { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" },
  lookup: { status: "resolved", sub: ALICE },
};
const bob: Resolution = {
  user: { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Viewer" },
  lookup: { status: "resolved", sub: BOB },
};
const [ADMIN, RESEARCHER, VIEWER, TRUST_ADMIN] = ROLES;
const TRUST = "33333333-3333-4333-8333-333333333333";
/** A role as `role.upsert` writes it: the columns, not `scope`. */
const stored = ({ id, name, description }: (typeof ROLES)[number]) => ({ id, name, description });
const OPTIONS = { dryRun: false, timeoutMs: 60_000 };

describe("applySeed", () => {
  it("in one transaction, behind the seed's lock taken first: the rows the plan calls for, and their counts", async () => {
    const { db, tx } = mockDatabase();
    const { written } = await applySeed(db, [alice, bob], OPTIONS);
    expect(db.$transaction).toHaveBeenCalledTimes(1);
    expect(db.$transaction.mock.calls[0]?.[1]).toEqual({ timeout: 60_000, maxWait: 60_000 });
    expect(callsBeforeLock(tx)).toEqual([]);
    const grants = [
      { userId: ALICE, roleId: ADMIN.id },
      { userId: BOB, roleId: VIEWER.id },
    ];
    expect(rowsWritten(tx)).toEqual({
      ...NOTHING_WRITTEN,
      roles: ROLES.map(stored),
      profilesCreated: [
        { userId: ALICE, name: "Alice", organisation: "North Trust" },
        { userId: BOB, name: "Bob", organisation: "South Trust" },
      ],
      userRoles: grants,
      seedGrants: grants,
    });
    expect(written).toEqual({ roles: 4, profilesCreated: 2, profilesUpdated: 0, userRoles: 2, seedGrants: 2 });
  });

  it("takes the seed's advisory lock as its one raw statement", async () => {
    const { db, tx } = mockDatabase();
    await applySeed(db, [alice], OPTIONS);
    expect(tx.$executeRaw).toHaveBeenCalledTimes(1);
    const [sql, ...values] = tx.$executeRaw.mock.calls[0]!;
    expect((sql as TemplateStringsArray).join("?")).toBe("SELECT pg_advisory_xact_lock(hashtext(?))");
    expect(values).toEqual([SEED_LOCK_NAME]);
    for (const raw of [tx.$queryRaw, tx.$queryRawUnsafe, tx.$executeRawUnsafe]) expect(raw).not.toHaveBeenCalled();
  });

  it("reads the state of the manifest's resolved users only, selecting what the planner needs", async () => {
    const { db, tx } = mockDatabase();
    await applySeed(db, [alice, { user: { ...bob.user }, lookup: { status: "not_found" } }], OPTIONS);
    const ofAlice = { userId: { in: [ALICE] } };
    expect(tx.role.findMany).toHaveBeenCalledWith({ select: { id: true, name: true, description: true } });
    expect(tx.userProfile.findMany).toHaveBeenCalledWith({ where: ofAlice, select: { userId: true, name: true, organisation: true } });
    expect(tx.userRole.findMany).toHaveBeenCalledWith({
      where: ofAlice,
      select: { userId: true, roleId: true, trustId: true, createdAt: true },
    });
    expect(tx.seedGrant.findMany).toHaveBeenCalledWith({ where: ofAlice, select: { userId: true, grantedAt: true } });
  });

  it("creates new profiles, roles held and bootstrap records with one createMany a table, skipping duplicates", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    await applySeed(db, [alice, bob], OPTIONS);
    expect(tx.userProfile.createMany).toHaveBeenCalledWith({
      data: [
        { userId: ALICE, name: "Alice", organisation: "North Trust" },
        { userId: BOB, name: "Bob", organisation: "South Trust" },
      ],
      skipDuplicates: true,
    });
    const grants = [
      { userId: ALICE, roleId: ADMIN.id },
      { userId: BOB, roleId: VIEWER.id },
    ];
    expect(tx.userRole.createMany).toHaveBeenCalledWith({ data: grants, skipDuplicates: true });
    expect(tx.seedGrant.createMany).toHaveBeenCalledWith({ data: grants, skipDuplicates: true });
    expect(tx.userProfile.upsert).not.toHaveBeenCalled();
    expect(tx.role.upsert).not.toHaveBeenCalled();
  });

  it("sends a large manifest's new rows in batches of CREATE_BATCH, counting what each batch wrote", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    const many = Array.from({ length: CREATE_BATCH * 2 + 500 }, (_, i): Resolution => ({
      user: { email: `u${i}@example.org`, name: `User ${i}`, organisation: "Trust", role: "Viewer" },
      lookup: { status: "resolved", sub: `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}` },
    }));
    const { written } = await applySeed(db, many, OPTIONS);
    for (const createMany of [tx.userProfile.createMany, tx.userRole.createMany, tx.seedGrant.createMany]) {
      expect(createMany.mock.calls.map(([args]) => (args?.data as unknown[]).length)).toEqual([CREATE_BATCH, CREATE_BATCH, 500]);
    }
    expect(tx.userRole.createMany.mock.calls[2]?.[0]?.data).toEqual(
      many.slice(CREATE_BATCH * 2).map((r) => ({ userId: (r.lookup as { sub: string }).sub, roleId: VIEWER.id })),
    );
    expect(written).toMatchObject({ profilesCreated: many.length, userRoles: many.length, seedGrants: many.length });
  });

  it("upserts a missing role by its fixed id, and one whose description differs", async () => {
    const { db, tx } = mockDatabase({ roles: [{ ...stored(ADMIN), description: "edited" }, stored(VIEWER)] });
    await applySeed(db, [alice], OPTIONS);
    expect(tx.role.upsert.mock.calls.map(([args]) => args)).toEqual(
      [ADMIN, RESEARCHER, TRUST_ADMIN].map((role) => ({
        where: { id: role.id },
        create: stored(role),
        update: { name: role.name, description: role.description },
      })),
    );
  });

  it("grants a global role (no trust_id) to a user whose only roles are trust-scoped, and counts those", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: BOB, name: "Bob", organisation: "South Trust" }],
      userRoles: [{ userId: BOB, roleId: TRUST_ADMIN.id, trustId: TRUST }],
    });
    const { plan, written } = await applySeed(db, [bob], OPTIONS);
    expect(tx.userRole.createMany).toHaveBeenCalledWith({ data: [{ userId: BOB, roleId: VIEWER.id }], skipDuplicates: true });
    expect(tx.seedGrant.createMany).toHaveBeenCalledWith({ data: [{ userId: BOB, roleId: VIEWER.id }], skipDuplicates: true });
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 1, seedGrants: 1 });
    expect(plan.users[0]).toMatchObject({ grant: "grant", trustScopedRoles: 1 });
  });

  it("a bootstrap recorded after the user's only roles, trust-scoped, were created: writes nothing, and warns", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: BOB, name: "Bob", organisation: "South Trust" }],
      userRoles: [{ userId: BOB, roleId: TRUST_ADMIN.id, trustId: TRUST, createdAt: new Date("2026-11-01T00:00:00Z") }],
      seedGrants: [{ userId: BOB, grantedAt: new Date("2026-11-02T00:00:00Z") }],
    });
    const { plan } = await applySeed(db, [bob], OPTIONS);
    expect(rowsWritten(tx)).toEqual(NOTHING_WRITTEN);
    expect(plan.users[0]).toMatchObject({ grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" });
  });

  it("updates a profile whose name or organisation differ, setting only what changed, and leaves an unchanged one alone", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [
        { userId: ALICE, name: "Alice", organisation: "Old Trust" },
        { userId: BOB, name: "Bob", organisation: "South Trust" },
      ],
      userRoles: [{ userId: ALICE }, { userId: BOB }],
      seedGrants: [{ userId: ALICE }, { userId: BOB }],
    });
    const { written } = await applySeed(db, [alice, bob], OPTIONS);
    expect(tx.userProfile.updateMany.mock.calls.map(([args]) => args)).toEqual([
      { where: { userId: { in: [ALICE] } }, data: { organisation: "North Trust" } },
    ]);
    expect(tx.userProfile.upsert).not.toHaveBeenCalled();
    expect(tx.userProfile.createMany).not.toHaveBeenCalled();
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 1, userRoles: 0, seedGrants: 0 });
  });

  it("updates the profiles that change alike in one updateMany: a trust renamed is one statement", async () => {
    const members = Array.from({ length: 5 }, (_, i): Resolution => ({
      user: { email: `m${i}@example.org`, name: `Member ${i}`, organisation: i < 3 ? "Merged Trust" : "Other Trust", role: "Viewer" },
      lookup: { status: "resolved", sub: `00000000-0000-4000-8000-00000000000${i}` },
    }));
    const subs = members.map((member) => (member.lookup as { sub: string }).sub);
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: members.map((member, i) => ({ userId: subs[i]!, name: i === 4 ? "Renamed" : member.user.name, organisation: "Old Trust" })),
      seedGrants: subs.map((userId) => ({ userId })),
    });
    const { written } = await applySeed(db, members, OPTIONS);
    expect(tx.userProfile.updateMany.mock.calls.map(([args]) => args)).toEqual([
      { where: { userId: { in: subs.slice(0, 3) } }, data: { organisation: "Merged Trust" } },
      { where: { userId: { in: [subs[3]] } }, data: { organisation: "Other Trust" } },
      { where: { userId: { in: [subs[4]] } }, data: { name: "Member 4", organisation: "Other Trust" } },
    ]);
    expect(written.profilesUpdated).toBe(5);
  });

  it("a profile deleted after the state was read is created again by an upsert, as its whole group", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: ALICE, name: "Alice", organisation: "Old Trust" }],
      seedGrants: [{ userId: ALICE }],
    });
    tx.userProfile.updateMany.mockResolvedValue({ count: 0 });
    await applySeed(db, [alice], OPTIONS);
    expect(tx.userProfile.upsert).toHaveBeenCalledWith({
      where: { userId: ALICE },
      create: { userId: ALICE, name: "Alice", organisation: "North Trust" },
      update: { name: "Alice", organisation: "North Trust" },
    });
  });

  it("a profile another tool created after the state was read is updated to the manifest's values, as an upsert would", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    // The insert skips Bob's row: it exists by now.
    tx.userProfile.createMany.mockResolvedValue({ count: 1 });
    const { written } = await applySeed(db, [alice, bob], OPTIONS);
    expect(tx.userProfile.upsert.mock.calls.map(([args]) => args.where)).toEqual([{ userId: ALICE }, { userId: BOB }]);
    expect(tx.userProfile.upsert).toHaveBeenCalledWith({
      where: { userId: BOB },
      create: { userId: BOB, name: "Bob", organisation: "South Trust" },
      update: { name: "Bob", organisation: "South Trust" },
    });
    expect(written.profilesCreated).toBe(2);
  });

  it("records the bootstrap of a user who holds roles already, and grants nothing", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: BOB, name: "Bob", organisation: "South Trust" }],
      userRoles: [{ userId: BOB }],
    });
    const { written } = await applySeed(db, [bob], OPTIONS);
    expect(tx.userRole.createMany).not.toHaveBeenCalled();
    expect(tx.seedGrant.createMany).toHaveBeenCalledWith({ data: [{ userId: BOB, roleId: VIEWER.id }], skipDuplicates: true });
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 1 });
  });

  it("counts grants as PostgreSQL reports them: a row that exists already is not counted", async () => {
    const { db, tx } = mockDatabase({ roles: ROLES });
    tx.userRole.createMany.mockResolvedValue({ count: 1 });
    const { written } = await applySeed(db, [alice, bob], OPTIONS);
    expect(written.userRoles).toBe(1);
  });

  it("writes nothing when nothing changed", async () => {
    const { db, tx } = mockDatabase({
      roles: ROLES,
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      userRoles: [{ userId: ALICE }],
      seedGrants: [{ userId: ALICE }],
    });
    const result = await applySeed(db, [alice], OPTIONS);
    expect(callsBeforeLock(tx)).toEqual([]);
    expect(rowsWritten(tx)).toEqual(NOTHING_WRITTEN);
    expect(result.written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
    expect(result.plan.users[0]).toMatchObject({ profile: "unchanged", grant: "keep" });
  });

  it("in a dry run, plans everything and writes nothing", async () => {
    const { db, tx } = mockDatabase();
    const { plan, written } = await applySeed(db, [alice], { ...OPTIONS, dryRun: true });
    expect(plan.profileCreates).toHaveLength(1);
    expect(callsBeforeLock(tx)).toEqual([]);
    expect(rowsWritten(tx)).toEqual(NOTHING_WRITTEN);
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
  });
});
