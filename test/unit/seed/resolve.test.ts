import { afterEach, describe, expect, it, vi } from "vitest";

import type { IdentityDirectory, Lookup } from "../../../src/directory/identity-directory.js";
import { FatalDirectoryError } from "../../../src/errors/index.js";
import type { ManifestEntry } from "../../../src/manifest.js";
import { resolveAll } from "../../../src/seed/resolve.js";

const entries: ManifestEntry[] = Array.from({ length: 10 }, (_, i) => ({
  email: `user${i}@example.org`,
  name: `User ${i}`,
  organisation: "Trust",
  role: "Viewer",
}));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("resolveAll", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at most `requestsPerSecond` lookups a second, evenly spaced", async () => {
    vi.useFakeTimers();
    const started: number[] = [];
    const directory: IdentityDirectory = {
      lookup: async () => {
        started.push(Date.now());
        return { status: "not_found" };
      },
    };
    const t0 = Date.now();
    const done = resolveAll(directory, entries, { requestsPerSecond: 4 });
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    // One at once, then one every 250 ms.
    expect(started).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(2_000);
    await done;
    expect(started).toHaveLength(10);
    const gaps = started.slice(1).map((time, i) => time - started[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    expect(started[0]).toBe(t0);
  });

  it("returns lookups in manifest order, with at most `requestsPerSecond` in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const directory: IdentityDirectory = {
      async lookup(email) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        // Later entries answer sooner, so completion order differs from manifest order.
        await sleep(30 - Number(/\d+/.exec(email)![0]) * 2);
        inFlight -= 1;
        return { status: "not_found" };
      },
    };
    const seen: string[] = [];
    const resolutions = await resolveAll(directory, entries, { requestsPerSecond: 200, onResolved: (r) => seen.push(r.entry.email) });
    expect(resolutions.map((r) => r.entry.email)).toEqual(entries.map((e) => e.email));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(200);
    expect(seen).toHaveLength(10);
  });

  it("stops at the first fatal error: aborts what is in flight, starts nothing more, rethrows it", async () => {
    const started: string[] = [];
    const aborted: string[] = [];
    const fatal = new FatalDirectoryError(["Cognito: the user pool does not exist"]);
    const directory: IdentityDirectory = {
      lookup(email, signal): Promise<Lookup> {
        started.push(email);
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
    };
    await expect(resolveAll(directory, entries, { requestsPerSecond: 1000 })).rejects.toBe(fatal);
    expect(aborted).toEqual(["user0@example.org"]);
    expect(started).toEqual(["user0@example.org", "user1@example.org"]);
  });

  it("keeps transient outcomes as results, not errors", async () => {
    const directory: IdentityDirectory = { lookup: async () => ({ status: "transient", reason: "throttled" }) };
    const resolutions = await resolveAll(directory, entries.slice(0, 2), { requestsPerSecond: 100 });
    expect(resolutions.map((r) => r.lookup)).toEqual([
      { status: "transient", reason: "throttled" },
      { status: "transient", reason: "throttled" },
    ]);
  });
});
