import { describe, expect, it } from "vitest";

import { compareMigrations, listNames, type MigrationRecord } from "../../../src/doctor/migrations.js";

const at = new Date(0);
const finished = (migration_name: string): MigrationRecord => ({ migration_name, finished_at: at, rolled_back_at: null });
const unfinished = (migration_name: string): MigrationRecord => ({ migration_name, finished_at: null, rolled_back_at: null });
const rolledBack = (migration_name: string): MigrationRecord => ({ migration_name, finished_at: null, rolled_back_at: at });

describe("compareMigrations", () => {
  it("all applied", () => {
    expect(compareMigrations(["2_b", "1_a"], [finished("1_a"), finished("2_b")])).toEqual({
      applied: ["1_a", "2_b"],
      pending: [],
      failed: [],
      unknown: [],
    });
  });

  it("none applied: every shipped migration is pending", () => {
    expect(compareMigrations(["1_a", "2_b"], [])).toEqual({ applied: [], pending: ["1_a", "2_b"], failed: [], unknown: [] });
  });

  it("a failed migration (started, neither finished nor rolled back) is failed, not pending", () => {
    expect(compareMigrations(["1_a", "2_b"], [finished("1_a"), unfinished("2_b")])).toEqual({
      applied: ["1_a"],
      pending: [],
      failed: ["2_b"],
      unknown: [],
    });
  });

  it("a rolled-back row counts for nothing: pending again, or applied by a later row", () => {
    expect(compareMigrations(["1_a", "2_b"], [finished("1_a"), rolledBack("2_b")]).pending).toEqual(["2_b"]);
    expect(compareMigrations(["1_a"], [rolledBack("1_a"), finished("1_a")])).toEqual({ applied: ["1_a"], pending: [], failed: [], unknown: [] });
  });

  it("a failed row wins over a finished one for the same name", () => {
    expect(compareMigrations(["1_a"], [finished("1_a"), unfinished("1_a")])).toEqual({ applied: [], pending: [], failed: ["1_a"], unknown: [] });
  });

  it("finished migrations the package does not ship are unknown; a failed unknown one is failed", () => {
    expect(compareMigrations(["1_a"], [finished("1_a"), finished("3_c"), unfinished("4_d")])).toEqual({
      applied: ["1_a"],
      pending: [],
      failed: ["4_d"],
      unknown: ["3_c"],
    });
  });
});

describe("listNames", () => {
  it("shows three names and counts the rest", () => {
    expect(listNames(["a"])).toBe("a");
    expect(listNames(["a", "b", "c"])).toBe("a, b, c");
    expect(listNames(["a", "b", "c", "d", "e"])).toBe("a, b, c and 2 more");
  });
});
