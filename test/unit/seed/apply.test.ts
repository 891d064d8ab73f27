import { describe, expect, it } from "vitest";

import { ROLES } from "../../../src/roles.js";
import { applySeed } from "../../../src/seed/apply.js";
import type { Resolution } from "../../../src/seed/resolve.js";
import { mockDatabase as database } from "../../support/mock-database.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const alice: Resolution = {
  entry: { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" },
  lookup: { status: "resolved", sub: ALICE },
};

describe("applySeed", () => {
  it("takes the advisory lock before reading anything, then writes the plan in one transaction", async () => {
    const { db, tx, calls } = database();
    const { written } = await applySeed(db, [alice], { dryRun: false, timeoutMs: 60_000 });
    expect(calls[0]).toBe("advisory lock");
    expect(calls.slice(1, 5).sort()).toEqual(["read profiles", "read roles", "read seed grants", "read user roles"]);
    expect(calls.slice(5)).toEqual(["upsert role", "upsert role", "upsert role", "upsert profiles", "insert user roles", "insert seed grants"]);
    expect(db.$transaction).toHaveBeenCalledTimes(1);
    expect(db.$transaction.mock.calls[0]?.[1]).toMatchObject({ timeout: 60_000 });
    // One statement for every profile, with the rows as three parallel arrays.
    const profileStatement = tx.$executeRaw.mock.calls.find(([strings]) => (strings as TemplateStringsArray).join("?").includes("user_profile"));
    expect(profileStatement?.slice(1)).toEqual([[ALICE], ["Alice"], ["North Trust"]]);
    expect(tx.userRole.createMany).toHaveBeenCalledWith({ data: [{ userId: ALICE, roleId: ROLES[0].id }], skipDuplicates: true });
    expect(written).toEqual({ roles: 3, profilesCreated: 1, profilesUpdated: 0, userRoles: 1, seedGrants: 1 });
  });

  it("reads only the manifest's resolved users", async () => {
    const { db, tx } = database();
    await applySeed(db, [alice, { entry: { ...alice.entry, email: "x@example.org" }, lookup: { status: "not_found" } }], {
      dryRun: false,
      timeoutMs: 1_000,
    });
    expect(tx.userProfile.findMany.mock.calls[0]?.[0]).toMatchObject({ where: { userId: { in: [ALICE] } } });
  });

  it("writes nothing when nothing changed", async () => {
    const { db, calls } = database({
      roles: [...ROLES],
      profiles: [{ userId: ALICE, name: "Alice", organisation: "North Trust" }],
      seedGrants: [{ userId: ALICE }],
    });
    const result = await applySeed(db, [alice], { dryRun: false, timeoutMs: 1_000 });
    expect(calls.filter((call) => !call.startsWith("read") && call !== "advisory lock")).toEqual([]);
    expect(result.written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
  });

  it("in a dry run, plans everything and writes nothing", async () => {
    const { db, calls } = database();
    const { plan, written } = await applySeed(db, [alice], { dryRun: true, timeoutMs: 1_000 });
    expect(plan.profileCreates).toHaveLength(1);
    expect(calls.filter((call) => call.startsWith("upsert") || call.startsWith("insert"))).toEqual([]);
    expect(written).toEqual({ roles: 0, profilesCreated: 0, profilesUpdated: 0, userRoles: 0, seedGrants: 0 });
  });
});
