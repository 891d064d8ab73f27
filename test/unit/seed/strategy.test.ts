import { describe, expect, it } from "vitest";

import { COGNITO_PROFILE } from "../../../src/directory/cognito-directory.js";
import type { DirectoryFacts, DirectoryProfile } from "../../../src/directory/identity-directory.js";
import { chooseStrategy as choose, needsDescription as needs, scanCalls, type StrategyRequest } from "../../../src/seed/strategy.js";

/** Cognito's choices, as the seed makes them today. */
const chooseStrategy = (requested: StrategyRequest, emails: number, facts: DirectoryFacts | undefined) =>
  choose(requested, emails, facts, COGNITO_PROFILE);
const needsDescription = (requested: StrategyRequest, emails: number) => needs(requested, emails, COGNITO_PROFILE);
/** A directory with bigger pages, a faster pace and listings not worth scanning (Keycloak's, issue 20). */
const NO_SCAN: DirectoryProfile = { name: "Keycloak", pageSize: 100, requestsPerSecond: 20, scanWorthwhile: false };

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

describe("another directory's profile", () => {
  it("never weighs a scan in auto, never asks for a description to do so, and says why", () => {
    expect(needs("auto", 10_000, NO_SCAN)).toBe(false);
    expect(choose("auto", 10_000, undefined, NO_SCAN)).toEqual({
      strategy: "filter",
      filterCalls: 10_000,
      reason: "filter (a scan of Keycloak is never worth it; 10000 filtered calls)",
    });
    // Even were its size known, as after a requested scan could not be: auto does not scan it.
    expect(choose("auto", 10_000, pool(100), NO_SCAN)).toMatchObject({ strategy: "filter" });
  });

  it("counts pages and asks for a description from its own page size, when scans are worth it", () => {
    const bigPages = { ...NO_SCAN, scanWorthwhile: true };
    expect([0, 100, 101, 11_000].map((size) => scanCalls(size, bigPages))).toEqual([1, 1, 2, 110]);
    expect(needs("auto", 99, bigPages)).toBe(false);
    expect(needs("auto", 100, bigPages)).toBe(true);
    expect(choose("auto", 100, pool(100 * 99), bigPages)).toMatchObject({ strategy: "scan", scanCalls: 99 });
  });

  it("still does as asked with --lookup scan", () => {
    expect(needs("scan", 1, NO_SCAN)).toBe(true);
    expect(choose("scan", 7, pool(500), NO_SCAN)).toMatchObject({ strategy: "scan", scanCalls: 5 });
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
    expect([0, 1, 60, 61, 11_000].map((size) => scanCalls(size, COGNITO_PROFILE))).toEqual([1, 1, 1, 2, 184]);
  });
});
