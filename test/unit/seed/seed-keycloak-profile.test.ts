/**
 * The seed reads the directory's own profile, not Cognito's quotas: a
 * Keycloak directory is paced at its 20 requests a second, never scanned, and
 * named "Keycloak" in the lines; a scan asked of it is refused before any call.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { mock } from "vitest-mock-extended";

import { COGNITO_PROFILE } from "../../../src/directory/cognito-directory.js";
import { KEYCLOAK_PROFILE } from "../../../src/directory/keycloak-directory.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { seedMainUsers } from "../../../src/seed/seed-main-users.js";
import { exitCodeFor } from "../../../src/shared/cli/exit-codes.js";
import { UsageError } from "../../../src/shared/cli/usage.js";
import type { SeedLogger } from "../../../src/shared/logging.js";
import { ROLES } from "../../../src/shared/roles.js";
import { account, fakeDirectory } from "../../support/fake-directory.js";
import { mockDatabase } from "../../support/mock-database.js";

const users = (count: number): ManifestEntry[] =>
  Array.from({ length: count }, (_, i) => ({ email: `user${i}@example.org`, name: `User ${i}`, organisation: "Trust", role: "Viewer" }));

afterEach(() => {
  vi.useRealTimers();
});

describe("the seed with Keycloak's profile", () => {
  it("goes at Keycloak's own 20 requests a second when the caller sets no pace", async () => {
    vi.useFakeTimers();
    const started: number[] = [];
    const directory = fakeDirectory([], {
      profile: KEYCLOAK_PROFILE,
      lookup: async () => {
        started.push(Date.now());
        return { status: "not_found" };
      },
    });
    const { db } = mockDatabase({ roles: ROLES });
    const done = seedMainUsers(db, { users: users(45), directory });
    await vi.advanceTimersByTimeAsync(0);
    // Twenty at once (Cognito's profile would have started ten), then none until a second has passed.
    expect(started).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(2_000);
    await done;
    expect(started).toHaveLength(45);
    for (const time of started) expect(started.filter((other) => other >= time && other < time + 1_000).length).toBeLessThanOrEqual(20);
  });

  it("never scans it, not even for a manifest many times a page, and never asks its size to weigh one", async () => {
    const many = users(300);
    const directory = fakeDirectory(
      many.map((user, i) => account(user.email, i)),
      { profile: KEYCLOAK_PROFILE },
    );
    const { db } = mockDatabase({ roles: ROLES });
    const logger = mock<SeedLogger>();
    const report = await seedMainUsers(db, { users: many, directory, requestsPerSecond: 1_000, logger });
    expect(report.lookup).toMatchObject({ strategy: "filter", calls: 300 });
    expect(directory.calls.filter((call) => !call.startsWith("lookup "))).toEqual([]);
    const lines = logger.info.mock.calls.map(([, message]) => message);
    expect(lines).toContain("Keycloak lookup: filter (a scan of Keycloak is never worth it; 300 filtered calls)");
    expect(lines).toContain("300 of 300 users resolved in Keycloak; applying in one transaction");
  });

  it("names Keycloak, not Cognito, in the reason a user is not found", async () => {
    const directory = fakeDirectory([], { profile: KEYCLOAK_PROFILE });
    const { db } = mockDatabase({ roles: ROLES });
    const report = await seedMainUsers(db, { users: users(1), directory });
    expect(report.users).toEqual([
      { entry: 0, email: "u***@example.org", role: "Viewer", outcome: "not_found", reason: "no Keycloak account has this email" },
    ]);
  });

  it("refuses a scan asked of it, a usage error (exit 2), before any call and with nothing written", async () => {
    const directory = fakeDirectory([account("user0@example.org", 0)], { profile: KEYCLOAK_PROFILE });
    const { db } = mockDatabase({ roles: ROLES });
    const error: unknown = await seedMainUsers(db, { users: users(1), directory, lookup: "scan" }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect(exitCodeFor(error as UsageError)).toBe(2);
    expect((error as UsageError).problems).toEqual([
      "--lookup scan: Keycloak is looked up by email only (a scan of it is never worth it); use auto or filter",
    ]);
    expect(directory.calls).toEqual([]);
    expect(db.$transaction).not.toHaveBeenCalled();
  });

  it("leaves Cognito as it was: a scan asked of it is made, and its lines name Cognito", async () => {
    const directory = fakeDirectory([account("user0@example.org", 0)]);
    expect(directory.profile).toBe(COGNITO_PROFILE);
    const { db } = mockDatabase({ roles: ROLES });
    const logger = mock<SeedLogger>();
    const report = await seedMainUsers(db, { users: users(1), directory, lookup: "scan", logger });
    expect(report.lookup).toMatchObject({ strategy: "scan" });
    expect(directory.calls).toEqual(["page 0", "describe"]);
    expect(logger.info.mock.calls.map(([, message]) => message)).toContain("1 of 1 users resolved in Cognito; applying in one transaction");
  });
});
