import { describe, expect, it } from "vitest";

import { chooseStrategy, needsPoolSize, scanCalls } from "../../../src/seed/strategy.js";

describe("chooseStrategy", () => {
  it.each([
    // emails, pool size, expected strategy, scan calls
    [100, 110, "scan", 2],
    [10_000, 11_000, "scan", 184],
    [60, 60 * 59, "scan", 59],
    [60, 60 * 60, "filter", 60],
    [200, 1_000_000, "filter", 16_667],
  ] as const)("auto, %i emails in a pool of %i: %s", (emails, pool, strategy, pages) => {
    const choice = chooseStrategy("auto", emails, pool);
    expect(choice).toMatchObject({ strategy, filterCalls: emails, scanCalls: pages });
    expect(choice.reason).toMatch(new RegExp(`^${strategy} \\(fewer calls: ${emails} filtered calls vs ${pages} pages for ~${pool} accounts\\)$`));
  });

  it("keeps to filter when the pool's size is unknown, and says why", () => {
    expect(chooseStrategy("auto", 7, undefined)).toEqual({ strategy: "filter", filterCalls: 7, reason: "filter (fewer than 60 emails; 7 filtered calls)" });
    expect(chooseStrategy("auto", 500, undefined).reason).toBe("filter (the pool's size is unknown; 500 filtered calls)");
  });

  it("does as asked with --lookup, numbers included", () => {
    expect(chooseStrategy("scan", 7, undefined)).toMatchObject({ strategy: "scan", reason: "scan (requested with --lookup; 7 filtered calls)" });
    expect(chooseStrategy("filter", 10_000, 11_000)).toMatchObject({ strategy: "filter", scanCalls: 184 });
  });
});

describe("needsPoolSize", () => {
  it("asks only when a scan could win and the choice is the seed's", () => {
    expect(needsPoolSize("auto", 59)).toBe(false);
    expect(needsPoolSize("auto", 60)).toBe(true);
    expect(needsPoolSize("filter", 10_000)).toBe(false);
    expect(needsPoolSize("scan", 10_000)).toBe(false);
  });
});

describe("scanCalls", () => {
  it("is one page at least, then one per 60 accounts", () => {
    expect([0, 1, 60, 61, 11_000].map(scanCalls)).toEqual([1, 1, 1, 2, 184]);
  });
});
