import { describe, expect, it } from "vitest";

import { DatabaseError } from "../../../src/database/DatabaseError.js";
import type { Lookup } from "../../../src/directory/identity-directory.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import {
  decideGrant,
  foldUserRoles,
  planSeed,
  plannedWrites,
  totalWrites,
  type DatabaseState,
  type HeldRoles,
} from "../../../src/seed/plan.js";
import { ROLES, roleByName } from "../../../src/shared/roles.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";

const alice: ManifestEntry = { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" };
const bob: ManifestEntry = { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Researcher" };

const resolved = (sub: string): Lookup => ({ status: "resolved", sub });

const EARLIER = new Date("2026-11-01T00:00:00Z");
const BOOTSTRAPPED = new Date("2026-11-15T00:00:00Z");
const LATER = new Date("2026-12-01T00:00:00Z");

/** The stored roles, as the applier reads them (without `scope`, which is not a column). */
const STORED_ROLES = ROLES.map(({ id, name, description }) => ({ id, name, description }));

const ADMIN_ID = roleByName("Admin").id;
const VIEWER_ID = roleByName("Viewer").id;

/** Alice's roles: global Admin (her manifest's role) or none, and `trustScoped` trust-scoped ones, the first created `at`. */
const holds = (global: boolean, trustScoped = 0, at = EARLIER): Map<string, HeldRoles> =>
  new Map([[ALICE, { globalRoleIds: global ? [ADMIN_ID] : [], trustScoped, ...(trustScoped > 0 && { firstTrustScopedAt: at }) }]]);
const bootstrapped = (at = BOOTSTRAPPED) => new Map([[ALICE, at]]);

function state(overrides: Partial<DatabaseState> = {}): DatabaseState {
  return {
    roles: STORED_ROLES,
    profiles: new Map(),
    heldRoles: new Map(),
    seedGrants: new Map(),
    ...overrides,
  };
}

describe("planSeed: roles", () => {
  it("creates the four fixed roles, Trust Admin included, in an empty database", () => {
    const plan = planSeed([], state({ roles: [] }));
    expect(plan.roleWrites).toEqual(STORED_ROLES.map((row) => ({ row, change: "create" })));
    expect(plan.roleWrites.map(({ row }) => row.name)).toEqual(["Admin", "Researcher", "Viewer", "Trust Admin"]);
  });

  it("adds Trust Admin to a database seeded by 0.1.0 (the three global roles only)", () => {
    const plan = planSeed([], state({ roles: STORED_ROLES.filter((role) => role.name !== "Trust Admin") }));
    expect(plan.roleWrites).toEqual([
      {
        row: { id: "8a3d6f14-9b52-4e07-a6c8-1d4f7b2e9053", name: "Trust Admin", description: expect.stringContaining("one trust") },
        change: "create",
      },
    ]);
  });

  it("leaves the roles alone when they match, and updates only the one that differs", () => {
    expect(planSeed([], state()).roleWrites).toEqual([]);
    const edited = STORED_ROLES.map((role) => (role.name === "Viewer" ? { ...role, description: "edited" } : role));
    const { id, name, description } = roleByName("Viewer");
    expect(planSeed([], state({ roles: edited })).roleWrites).toEqual([{ row: { id, name, description }, change: "update" }]);
  });

  it("stops when a role's name is held by another id, which other services would not find", () => {
    const squatted = [
      ...STORED_ROLES.filter((role) => role.name !== "Admin"),
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
      state({ profiles: new Map([[ALICE, { name: "Alice", organisation: "North Trust" }]]), seedGrants: bootstrapped() }),
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
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: holds(true), seedGrants: bootstrapped() }));
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([]);
    expect(plan.users[0]).toMatchObject({ grant: "keep", trustScopedRoles: 0 });
    expect(plan.users[0]).not.toHaveProperty("warning");
  });

  it("never grants again once bootstrapped: an admin's removal of every role stands, and the difference is a warning", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ seedGrants: bootstrapped() }));
    expect(plan.grants).toEqual([]);
    expect(plan.users[0]).toMatchObject({ grant: "keep", heldRoles: [], warning: "role_differs" });
  });

  it("a bootstrapped user who holds another role than the manifest's (Viewer, manifest Admin): kept, held roles named, a warning", () => {
    const viewer = new Map([[ALICE, { globalRoleIds: [VIEWER_ID], trustScoped: 0 }]]);
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: viewer, seedGrants: bootstrapped() }));
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([]);
    expect(plan.users[0]).toMatchObject({ grant: "keep", heldRoles: ["Viewer"], warning: "role_differs" });
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 0, seedGrants: 0 });
  });

  it("a user adopted with another role than the manifest's: the bootstrap recorded, the held role named, a warning", () => {
    const both = new Map([[ALICE, { globalRoleIds: [VIEWER_ID, roleByName("Researcher").id], trustScoped: 0 }]]);
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: both }));
    expect(plan.adoptions).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plan.users[0]).toMatchObject({ grant: "adopt", heldRoles: ["Researcher", "Viewer"], warning: "role_differs" });
  });

  it("no warning when the manifest's role is among the held ones", () => {
    const both = new Map([[ALICE, { globalRoleIds: [VIEWER_ID, ADMIN_ID], trustScoped: 0 }]]);
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: both, seedGrants: bootstrapped() }));
    expect(plan.users[0]).toMatchObject({ grant: "keep", heldRoles: ["Admin", "Viewer"] });
    expect(plan.users[0]).not.toHaveProperty("warning");
  });

  it("grants nothing to a user who already holds a global role, and records the bootstrap so a later removal stands too", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: holds(true) }));
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 0, seedGrants: 1 });
  });
});

describe("planSeed: only global roles count as a role", () => {
  const roleOf = (entry: ManifestEntry) => roleByName(entry.role).id;

  it("grants the manifest's (global) role once to a user whose only roles are trust-scoped, and counts those", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: holds(false, 2) }));
    expect(plan.grants).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plan.adoptions).toEqual([]);
    expect(plan.users[0]).toMatchObject({ grant: "grant", trustScopedRoles: 2 });
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 1, seedGrants: 1 });
  });

  it("adopts a user holding a global role beside trust-scoped ones", () => {
    const plan = planSeed([{ user: alice, lookup: resolved(ALICE) }], state({ heldRoles: holds(true, 1) }));
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([{ userId: ALICE, roleId: roleOf(alice) }]);
    expect(plan.users[0]).toMatchObject({ grant: "adopt", trustScopedRoles: 1 });
  });

  it("a bootstrap recorded while the user held only trust-scoped roles: nothing granted, and a warning", () => {
    const plan = planSeed(
      [{ user: alice, lookup: resolved(ALICE) }],
      state({ heldRoles: holds(false, 1, EARLIER), seedGrants: bootstrapped() }),
    );
    expect(plan.grants).toEqual([]);
    expect(plan.adoptions).toEqual([]);
    expect(plan.users[0]).toMatchObject({ grant: "keep", trustScopedRoles: 1, warning: "trust_only_bootstrap" });
    expect(plannedWrites(plan)).toMatchObject({ userRoles: 0, seedGrants: 0 });
  });

  it("no trust_only_bootstrap when the trust-scoped roles came after the bootstrap (an admin removed the global role, then gave a trust)", () => {
    const plan = planSeed(
      [{ user: alice, lookup: resolved(ALICE) }],
      state({ heldRoles: holds(false, 1, LATER), seedGrants: bootstrapped() }),
    );
    expect(plan.users[0]).toMatchObject({ grant: "keep", trustScopedRoles: 1, warning: "role_differs" });
  });

  it("no warning for a bootstrapped user who holds a global role beside older trust-scoped ones", () => {
    const plan = planSeed(
      [{ user: alice, lookup: resolved(ALICE) }],
      state({ heldRoles: holds(true, 1, EARLIER), seedGrants: bootstrapped() }),
    );
    expect(plan.users[0]).not.toHaveProperty("warning");
  });

  const none = { globalRoleIds: [], trustScoped: 0 };
  const admin = { globalRoleIds: [ADMIN_ID], trustScoped: 0 };
  const viewer = { globalRoleIds: [VIEWER_ID], trustScoped: 0 };
  const trustOnly = (at: Date) => ({ globalRoleIds: [], trustScoped: 1, firstTrustScopedAt: at });
  it.each<[string, HeldRoles, Date | undefined, ReturnType<typeof decideGrant>]>([
    ["no rows, never bootstrapped", none, undefined, { grant: "grant" }],
    ["trust-scoped only, never bootstrapped", trustOnly(EARLIER), undefined, { grant: "grant" }],
    ["the manifest's role, never bootstrapped", admin, undefined, { grant: "adopt" }],
    ["another global role, never bootstrapped", viewer, undefined, { grant: "adopt", warning: "role_differs" }],
    ["no rows, bootstrapped", none, BOOTSTRAPPED, { grant: "keep", warning: "role_differs" }],
    ["the manifest's role, bootstrapped", { ...admin, trustScoped: 3, firstTrustScopedAt: EARLIER }, BOOTSTRAPPED, { grant: "keep" }],
    ["another global role, bootstrapped", viewer, BOOTSTRAPPED, { grant: "keep", warning: "role_differs" }],
    ["trust-scoped before the bootstrap", trustOnly(EARLIER), BOOTSTRAPPED, { grant: "keep", warning: "trust_only_bootstrap" }],
    ["trust-scoped at the bootstrap's instant", trustOnly(BOOTSTRAPPED), BOOTSTRAPPED, { grant: "keep", warning: "role_differs" }],
    ["trust-scoped after the bootstrap", trustOnly(LATER), BOOTSTRAPPED, { grant: "keep", warning: "role_differs" }],
  ])("decideGrant (manifest: Admin): %s", (_label, held, bootstrappedAt, expected) => {
    expect(decideGrant(held, bootstrappedAt, ADMIN_ID)).toEqual(expected);
  });
});

describe("foldUserRoles", () => {
  it("tells global rows from trust-scoped ones, counting the latter and keeping the oldest one's time", () => {
    const trust = (n: number) => `${n}${n}${n}${n}${n}${n}${n}${n}-0000-4000-8000-000000000000`;
    const held = foldUserRoles([
      { userId: ALICE, roleId: ROLES[3].id, trustId: trust(1), createdAt: LATER },
      { userId: ALICE, roleId: ADMIN_ID, trustId: null, createdAt: LATER },
      { userId: ALICE, roleId: ROLES[3].id, trustId: trust(2), createdAt: EARLIER },
      { userId: BOB, roleId: ROLES[3].id, trustId: trust(1), createdAt: BOOTSTRAPPED },
    ]);
    expect(held).toEqual(
      new Map([
        [ALICE, { globalRoleIds: [ADMIN_ID], trustScoped: 2, firstTrustScopedAt: EARLIER }],
        [BOB, { globalRoleIds: [], trustScoped: 1, firstTrustScopedAt: BOOTSTRAPPED }],
      ]),
    );
  });

  it("a user with global rows only has no trust-scoped time", () => {
    expect(foldUserRoles([{ userId: ALICE, roleId: VIEWER_ID, trustId: null, createdAt: EARLIER }]).get(ALICE)).toEqual({
      globalRoleIds: [VIEWER_ID],
      trustScoped: 0,
    });
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
    expect(plannedWrites(plan)).toEqual({ roles: 4, profilesCreated: 2, profilesUpdated: 0, userRoles: 2, seedGrants: 2 });
    expect(totalWrites(plannedWrites(plan))).toBe(10);
  });
});
