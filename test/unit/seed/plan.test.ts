import { describe, expect, it } from "vitest";

import { DatabaseError } from "../../../src/database/DatabaseError.js";
import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import type { Lookup } from "../../../src/directory/identity-directory.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { planSeed, plannedWrites, totalWrites, type DatabaseState } from "../../../src/seed/plan.js";
import { ROLES, roleByName } from "../../../src/shared/roles.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";

const alice: ManifestEntry = { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" };
const bob: ManifestEntry = { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Researcher" };

const resolved = (sub: string): Lookup => ({ status: "resolved", sub });

function state(overrides: Partial<DatabaseState> = {}): DatabaseState {
  return {
    roles: ROLES.map((role) => ({ ...role })),
    profiles: new Map(),
    usersWithRoles: new Set(),
    seedGrants: new Set(),
    ...overrides,
  };
}

describe("planSeed: roles", () => {
  it("creates the three fixed roles in an empty database", () => {
    const plan = planSeed([], state({ roles: [] }));
    expect(plan.roleWrites).toEqual(ROLES.map((role) => ({ row: { ...role }, change: "create" })));
  });

  it("leaves the roles alone when they match, and updates only the one that differs", () => {
    expect(planSeed([], state()).roleWrites).toEqual([]);
    const edited = ROLES.map((role) => (role.name === "Viewer" ? { ...role, description: "edited" } : { ...role }));
    expect(planSeed([], state({ roles: edited })).roleWrites).toEqual([{ row: { ...roleByName("Viewer") }, change: "update" }]);
  });

  it("stops when a role's name is held by another id, which other services would not find", () => {
    const squatted = [
      ...ROLES.filter((role) => role.name !== "Admin"),
      { id: "99999999-9999-4999-8999-999999999999", name: "Admin", description: "x" },
    ];
    expect(() => planSeed([], state({ roles: squatted }))).toThrow(DatabaseError);
  });
});

describe("planSeed: profiles", () => {
  it("creates a profile for a new user", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state());
    expect(plan.profileCreates).toEqual([{ userId: ALICE, name: "Alice", organisation: "North Trust" }]);
    expect(plan.profileUpdates).toEqual([]);
    expect(plan.users[0]).toMatchObject({ userId: ALICE, profile: "create" });
  });

  it.each([
    ["name", { name: "Alice Old", organisation: "North Trust" }, { name: "Alice" }],
    ["organisation", { name: "Alice", organisation: "Old Trust" }, { organisation: "North Trust" }],
    ["name and organisation", { name: "Alice Old", organisation: "Old Trust" }, { name: "Alice", organisation: "North Trust" }],
  ])("updates a profile whose %s differs, saying what changed", (_field, current, changes) => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ profiles: new Map([[ALICE, current]]) }));
    expect(plan.profileUpdates).toEqual([{ userId: ALICE, name: "Alice", organisation: "North Trust", changes }]);
    expect(plan.users[0]?.profile).toBe("update");
  });

  it("writes nothing for an unchanged profile", () => {
    const plan = planSeed(
      [{ user: alice, lookup: resolved(ALICE) }],
      state({ profiles: new Map([[ALICE, { name: "Alice", organisation: "North Trust" }]]), seedGrants: new Set([ALICE]) }),
    );
    expect(plan.users[0]?.profile).toBe("unchanged");
    expect(totalWrites(plannedWrites(plan))).toBe(0);
  });
});

describe("planSeed: role bootstrap", () => {
  const roleOf = (entry: ManifestEntry) => roleByName(entry.role).id;

  it("grants the manifest's role to a user with no role and no bootstrap record, and records it", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state());
    expect(plan.grants).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plan.adoptions).toEqual([]);
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 1, seedGrants: 1 });
  });

  it("never grants again once bootstrapped: an admin's change of role stands", () => {
    const plan = planSeed(
      [{ user: alice, lookup: resolved(ALICE) }],
      state({ usersWithRoles: new Set([ALICE]), seedGrants: new Set([ALICE]) }),
    );
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([]);
    expect(plan.users[0]?.grant).toBe("keep");
  });

  it("never grants again once bootstrapped: an admin's removal of every role stands", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ seedGrants: new Set([ALICE]) }));
    expect(plan.grants).toEqual([]);
    expect(plan.users[0]?.grant).toBe("keep");
  });

  it("grants nothing to a user who already holds roles, and records the bootstrap so a later removal stands too", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ usersWithRoles: new Set([ALICE]) }));
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 0, seedGrants: 1 });
  });
});

describe("planSeed: skipped users", () => {
  it.each<[string, Lookup]>([
    ["not found", { status: "not_found" }],
    ["ineligible", { status: "ineligible", reason: "email not verified" }],
    ["ambiguous", { status: "ambiguous", matches: 2 }],
    ["transient", { status: "transient", reason: "throttled", throttled: true }],
  ])("writes nothing for a %s user and keeps the others", (_label, lookup) => {
    const plan = planSeed(
      [
        { user: alice, lookup },
        { user: bob, lookup: resolved(BOB) },
      ],
      state(),
    );
    expect(plan.users.map((user) => user.lookup.status)).toEqual([lookup.status, "resolved"]);
    expect(plan.users[0]).not.toHaveProperty("userId");
    expect(plan.profileCreates.map((row) => row.userId)).toEqual([BOB]);
    expect(plan.grants.map((row) => row.userId)).toEqual([BOB]);
  });

  it("stops when two entries resolve to one account", () => {
    expect(() =>
      planSeed(
        [
          { user: alice, lookup: resolved(ALICE) },
          { user: bob, lookup: resolved(ALICE) },
        ],
        state(),
      ),
    ).toThrow(FatalDirectoryError);
  });
});

describe("plannedWrites", () => {
  it("counts every row a first run writes", () => {
    const plan = planSeed(
      [
        { user: alice, lookup: resolved(ALICE) },
        { user: bob, lookup: resolved(BOB) },
      ],
      state({ roles: [] }),
    );
    expect(plannedWrites(plan)).toEqual({ roles: 3, profilesCreated: 2, profilesUpdated: 0, userRoles: 2, seedGrants: 2 });
    expect(totalWrites(plannedWrites(plan))).toBe(9);
  });
});
