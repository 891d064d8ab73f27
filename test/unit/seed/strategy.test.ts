import { describe, expect, it } from "vitest";

import { chooseStrategy, needsDescription, scanCalls } from "../../../src/seed/strategy.js";

const pool = (estimatedSize: number | undefined) => ({ estimatedSize, emailsCaseSensitive: true });

describe("chooseStrategy", () => {
  it.each([
    // emails, pool size, expected strategy, scan calls
    [100, 110, "scan", 2],
    [10_000, 11_000, "scan", 184],
    [60, 60 * 59, "scan", 59],
    [60, 60 * 60, "filter", 60],
    [200, 1_000_000, "filter", 16_667],
  ] as const)("auto, %i emails in a pool of %i: %s", (emails, size, strategy, pages) => {
    const choice = chooseStrategy("auto", emails, pool(size));
    expect(choice).toMatchObject({ strategy, filterCalls: emails, scanCalls: pages });
    expect(choice.reason).toMatch(
      new RegExp(`^${strategy} \\(fewer calls: ${emails} filtered calls vs ${pages} pages for ~${size} accounts\\)$`),
    );
  });

  it("keeps to filter when the pool's size is unknown, and says why", () => {
    expect(chooseStrategy("auto", 7, undefined)).toEqual({
      strategy: "filter",
      filterCalls: 7,
      reason: "filter (fewer than 60 emails; 7 filtered calls)",
    });
    expect(chooseStrategy("auto", 500, pool(undefined)).reason).toBe("filter (the pool's size is unknown; 500 filtered calls)");
    expect(chooseStrategy("auto", 500, undefined).reason).toBe("filter (the pool's size is unknown; 500 filtered calls)");
  });

  it("does as asked with --lookup, numbers included", () => {
    expect(chooseStrategy("scan", 7, pool(undefined))).toMatchObject({
      strategy: "scan",
      reason: "scan (requested with --lookup; 7 filtered calls)",
    });
    expect(chooseStrategy("filter", 10_000, pool(11_000))).toMatchObject({ strategy: "filter", scanCalls: 184 });
  });

  it("looks users up one by one when a scan is asked for but the pool cannot say how it compares emails", () => {
    expect(chooseStrategy("scan", 500, undefined)).toEqual({
      strategy: "filter",
      filterCalls: 500,
      reason: "filter (scan requested with --lookup, but the pool's settings could not be read just now; 500 filtered calls)",
    });
  });
});

describe("needsDescription", () => {
  it("asks when a scan could win and the choice is the seed's, or when a scan is asked for", () => {
    expect(needsDescription("auto", 59)).toBe(false);
    expect(needsDescription("auto", 60)).toBe(true);
    expect(needsDescription("filter", 10_000)).toBe(false);
    expect(needsDescription("scan", 1)).toBe(true);
  });
});

describe("scanCalls", () => {
  it("is one page at least, then one per 60 accounts", () => {
    expect([0, 1, 60, 61, 11_000].map(scanCalls)).toEqual([1, 1, 1, 2, 184]);
  });
});
