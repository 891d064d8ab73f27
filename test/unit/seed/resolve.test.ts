import { afterEach, describe, expect, it, vi } from "vitest";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import { TransientDirectoryError } from "../../../src/directory/TransientDirectoryError.js";
import type { ManifestEntry } from "../../../src/manifest/index.js";
import { resolveAll } from "../../../src/seed/resolve/resolve.js";
import { account, fakeDirectory } from "../../support/fake-directory.js";

const entries: ManifestEntry[] = Array.from({ length: 10 }, (_, i) => ({
  email: `user${i}@example.org`,
  name: `User ${i}`,
  organisation: "Trust",
  role: "Viewer",
}));

describe("resolveAll: pacing", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at most `requestsPerSecond` calls in any second: a burst first, then the set pace", async () => {
    vi.useFakeTimers();
    const started: number[] = [];
    const directory = fakeDirectory([], {
      lookup: async () => {
        started.push(Date.now());
        return { status: "not_found" };
      },
    });
    const t0 = Date.now();
    const done = resolveAll(directory, entries, { requestsPerSecond: 4, strategy: "filter" });
    await vi.advanceTimersByTimeAsync(0);
    // A small manifest goes at once: the first four need no waiting.
    expect(started).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toHaveLength(4);
    // Then one every 250 ms.
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(750);
    expect(started).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(started).toHaveLength(10);
    // Never more than four in any one-second window.
    for (const time of started) expect(started.filter((other) => other >= time && other < time + 1_000).length).toBeLessThanOrEqual(4);
    expect(started[0]).toBe(t0);
  });

  it.each([
    ["Cognito's profile", undefined, 10],
    ["another directory's profile", { name: "Keycloak", pageSize: 100, requestsPerSecond: 3, scanWorthwhile: false }, 3],
  ] as const)("without `requestsPerSecond`, goes at the pace of %s", async (_, profile, pace) => {
    vi.useFakeTimers();
    const many = Array.from({ length: 12 }, (_, i) => ({ ...entries[0]!, email: `paced${i}@example.org` }));
    const started: number[] = [];
    const directory = fakeDirectory([], {
      ...(profile && { profile }),
      lookup: async () => {
        started.push(Date.now());
        return { status: "not_found" };
      },
    });
    const done = resolveAll(directory, many, { strategy: "filter" });
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(pace);
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(started).toHaveLength(12);
  });

  it("answers throttling by pausing every call and asking again, so no user is lost to it", async () => {
    vi.useFakeTimers();
    const answers = new Map<string, number>();
    const directory = fakeDirectory([], {
      lookup: async (email) => {
        const seen = (answers.get(email) ?? 0) + 1;
        answers.set(email, seen);
        // Cognito throttles the first two requests of user0.
        if (email === "user0@example.org" && seen <= 2) return { status: "transient", reason: "throttled by Cognito", throttled: true };
        return { status: "not_found" };
      },
    });
    const done = resolveAll(directory, entries.slice(0, 3), { requestsPerSecond: 10, strategy: "filter" });
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await done;
    expect(result.resolutions.map((r) => r.lookup.status)).toEqual(["not_found", "not_found", "not_found"]);
    expect(result.throttleRetries).toBe(2);
    expect(answers.get("user0@example.org")).toBe(3);
    expect(result.calls).toBe(5);
  });

  it("gives up on a user Cognito keeps throttling, after five retries, as transient", async () => {
    vi.useFakeTimers();
    const directory = fakeDirectory([], { lookup: async () => ({ status: "transient", reason: "throttled by Cognito", throttled: true }) });
    const done = resolveAll(directory, entries.slice(0, 1), { requestsPerSecond: 10, strategy: "filter" });
    await vi.advanceTimersByTimeAsync(60_000);
    const result = await done;
    expect(result.resolutions[0]?.lookup).toMatchObject({ status: "transient", throttled: true });
    expect(result.throttleRetries).toBe(5);
    expect(directory.calls).toHaveLength(6);
  });

  it("keeps other transient outcomes as they are, without retrying", async () => {
    const directory = fakeDirectory([], { lookup: async () => ({ status: "transient", reason: "Cognito server error" }) });
    const result = await resolveAll(directory, entries.slice(0, 2), { requestsPerSecond: 100, strategy: "filter" });
    expect(result.resolutions.map((r) => r.lookup)).toEqual([
      { status: "transient", reason: "Cognito server error", throttled: false },
      { status: "transient", reason: "Cognito server error", throttled: false },
    ]);
    expect(directory.calls).toHaveLength(2);
  });
});

describe("resolveAll: fatal errors", () => {
  it("stop at the first: what is in flight is aborted, nothing more starts, the error is rethrown", async () => {
    const aborted: string[] = [];
    const fatal = new FatalDirectoryError(["Cognito: the user pool does not exist"]);
    const directory = fakeDirectory([], {
      lookup: (email, signal) => {
        if (email === "user1@example.org") return Promise.reject(fatal);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve({ status: "not_found" }), 1_000);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            aborted.push(email);
            reject(new Error("aborted"));
          });
        });
      },
    });
    await expect(resolveAll(directory, entries, { requestsPerSecond: 2, strategy: "filter" })).rejects.toBe(fatal);
    expect(aborted).toEqual(["user0@example.org"]);
    // Two a second: the others were never started.
    expect(directory.calls).toEqual(["lookup user0@example.org", "lookup user1@example.org"]);
  });

  it.each([
    ["Cognito", undefined],
    ["Keycloak", { name: "Keycloak", pageSize: 100, requestsPerSecond: 20, scanWorthwhile: false }],
  ] as const)("refuse two entries that %s resolves to one account, naming both entries and the directory", async (name, profile) => {
    const shared = "0f6c7a1e-2b6d-4c8e-9a37-5d1b2c3e4f50";
    const directory = fakeDirectory([], {
      ...(profile && { profile }),
      lookup: async (email) =>
        email === "user0@example.org" || email === "user2@example.org" ? { status: "resolved", sub: shared } : { status: "not_found" },
    });
    const outcome = resolveAll(directory, entries.slice(0, 3), { requestsPerSecond: 100, strategy: "filter" });
    await expect(outcome).rejects.toThrow(FatalDirectoryError);
    await expect(outcome).rejects.toThrow(
      `${name}: users[0] and users[2] resolved to the same account (${shared}); the directory's answer is inconsistent`,
    );
  });
});

describe("resolveAll: strategy", () => {
  const many: ManifestEntry[] = Array.from({ length: 120 }, (_, i) => ({
    email: `m${i}@example.org`,
    name: "M",
    organisation: "O",
    role: "Viewer",
  }));
  const pool = Array.from({ length: 150 }, (_, i) => account(`m${i}@example.org`, i));

  it("looks a small manifest up by filter without asking the pool's size", async () => {
    const directory = fakeDirectory(pool);
    const result = await resolveAll(directory, entries.slice(0, 3), { requestsPerSecond: 100, strategy: "auto" });
    expect(result.choice.strategy).toBe("filter");
    expect(directory.calls).toEqual(["lookup user0@example.org", "lookup user1@example.org", "lookup user2@example.org"]);
  });

  it("scans when that needs fewer calls: 150 accounts are 3 pages against 120 lookups", async () => {
    const directory = fakeDirectory(pool);
    const result = await resolveAll(directory, many, { requestsPerSecond: 1000, strategy: "auto" });
    expect(result.choice).toMatchObject({ strategy: "scan", filterCalls: 120, scanCalls: 3 });
    // The first page is fetched while the size is asked, so those two come in either order.
    expect([...directory.calls].sort()).toEqual(["describe", "page 0", "page 1", "page 2"]);
    expect(directory.calls.slice(2)).toEqual(["page 1", "page 2"]);
    expect(result.calls).toBe(4);
    expect(result.resolutions.every((r) => r.lookup.status === "resolved")).toBe(true);
    expect(result.resolutions[7]?.lookup).toEqual({ status: "resolved", sub: pool[7]!.sub });
  });

  it("a scan applies the same eligibility rules as a lookup", async () => {
    const accounts = [
      account("m0@example.org", 0, { emailVerified: false }),
      account("m1@example.org", 1, { enabled: false }),
      account("M2@EXAMPLE.ORG", 2),
      account("m3@example.org", 3),
      account("m3@example.org", 4),
    ];
    const directory = fakeDirectory(accounts, { caseSensitive: false });
    const result = await resolveAll(directory, many.slice(0, 5), { requestsPerSecond: 100, strategy: "scan" });
    expect(result.resolutions.map((r) => r.lookup)).toEqual([
      { status: "ineligible", reason: "email not verified" },
      { status: "ineligible", reason: "account disabled" },
      { status: "resolved", sub: accounts[2]!.sub },
      { status: "ambiguous", matches: 2 },
      { status: "not_found" },
    ]);
  });

  it("keeps to filter when the pool is larger than the lookups are many, at the cost of one page", async () => {
    const directory = fakeDirectory(pool, { size: 60 * 500 });
    const result = await resolveAll(directory, many, { requestsPerSecond: 1000, strategy: "auto" });
    expect(result.choice).toMatchObject({ strategy: "filter", filterCalls: 120, scanCalls: 500 });
    expect(directory.calls.filter((call) => call.startsWith("page"))).toEqual(["page 0"]);
    expect(directory.calls.filter((call) => call.startsWith("lookup"))).toHaveLength(120);
  });

  it("a requested scan becomes a lookup per email when the pool cannot say how it compares emails", async () => {
    const directory = fakeDirectory(pool, { facts: undefined });
    const result = await resolveAll(directory, many.slice(0, 3), { requestsPerSecond: 1000, strategy: "scan" });
    expect(result.choice.strategy).toBe("filter");
    expect(directory.calls.filter((call) => call.startsWith("lookup"))).toHaveLength(3);
    expect(result.resolutions.every((r) => r.lookup.status === "resolved")).toBe(true);
  });

  it("keeps to filter when the pool's size is unknown", async () => {
    const result = await resolveAll(fakeDirectory(pool, { size: undefined }), many, { requestsPerSecond: 1000, strategy: "auto" });
    expect(result.choice.strategy).toBe("filter");
  });

  it("a scan that cannot finish leaves every user transient", async () => {
    const directory = fakeDirectory(pool, {
      pageFault: (page) => (page === 1 ? new TransientDirectoryError("Cognito server error (HTTP 503)", false) : undefined),
    });
    const result = await resolveAll(directory, many.slice(0, 2), { requestsPerSecond: 1000, strategy: "scan" });
    expect(result.resolutions.map((r) => r.lookup)).toEqual([
      { status: "transient", reason: "Cognito server error (HTTP 503)", throttled: false },
      { status: "transient", reason: "Cognito server error (HTTP 503)", throttled: false },
    ]);
  });

  it("a throttled page is asked again after a pause", async () => {
    vi.useFakeTimers();
    let faults = 1;
    const directory = fakeDirectory(pool, {
      pageFault: (page) => (page === 1 && faults-- > 0 ? new TransientDirectoryError("throttled by Cognito", true) : undefined),
    });
    const done = resolveAll(directory, many.slice(0, 2), { requestsPerSecond: 1000, strategy: "scan" });
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await done;
    vi.useRealTimers();
    expect(directory.calls.filter((call) => call !== "describe")).toEqual(["page 0", "page 1", "page 1", "page 2"]);
    expect(result.throttleRetries).toBe(1);
    expect(result.resolutions.every((r) => r.lookup.status === "resolved")).toBe(true);
  });
});

describe("resolveAll: one rule for emails, whatever the strategy", () => {
  // Accounts as each kind of pool stores them: a case-insensitive pool keeps emails lower-cased.
  const sensitivePool = [
    account("alice@example.org", 1),
    account("Carol@Example.org", 3),
    account("Dave@example.org", 4),
    account("dave@example.org", 5),
  ];
  const insensitivePool = [account("alice@example.org", 1), account("carol@example.org", 3)];
  const manifest: ManifestEntry[] = ["Alice@Example.org", "alice@example.org", "Carol@Example.org", "dave@example.org"].map((email) => ({
    email,
    name: "N",
    organisation: "O",
    role: "Viewer",
  }));

  async function outcomes(accounts: typeof sensitivePool, caseSensitive: boolean, strategy: "filter" | "scan") {
    // One entry at a time: the manifest itself may not hold two emails that differ only in case.
    const results = [];
    for (const entry of manifest) {
      const directory = fakeDirectory(accounts, { caseSensitive });
      const { resolutions, choice } = await resolveAll(directory, [entry], { requestsPerSecond: 1000, strategy });
      expect(choice.strategy).toBe(strategy);
      results.push(resolutions[0]!.lookup);
    }
    return results;
  }

  it("in a case-sensitive pool, only the email exactly as written matches, by filter and by scan", async () => {
    const expected = [
      { status: "not_found" },
      { status: "resolved", sub: sensitivePool[0]!.sub },
      { status: "resolved", sub: sensitivePool[1]!.sub },
      // Not ambiguous: "Dave@example.org" is another email in this pool.
      { status: "resolved", sub: sensitivePool[3]!.sub },
    ];
    expect(await outcomes(sensitivePool, true, "filter")).toEqual(expected);
    expect(await outcomes(sensitivePool, true, "scan")).toEqual(expected);
  });

  it("in a case-insensitive pool, any case matches, by filter and by scan", async () => {
    const expected = [
      { status: "resolved", sub: insensitivePool[0]!.sub },
      { status: "resolved", sub: insensitivePool[0]!.sub },
      { status: "resolved", sub: insensitivePool[1]!.sub },
      { status: "not_found" },
    ];
    expect(await outcomes(insensitivePool, false, "filter")).toEqual(expected);
    expect(await outcomes(insensitivePool, false, "scan")).toEqual(expected);
  });
});
