import { describe, expect, it } from "vitest";

import {
  compareMigrations,
  listNames,
  whyDeployIsNeeded,
  type ChecksummedRecord,
  type MigrationRecord,
} from "../../../src/migrations/history.js";

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
    expect(compareMigrations(["1_a"], [rolledBack("1_a"), finished("1_a")])).toEqual({
      applied: ["1_a"],
      pending: [],
      failed: [],
      unknown: [],
    });
  });

  it("a failed row wins over a finished one for the same name", () => {
    expect(compareMigrations(["1_a"], [finished("1_a"), unfinished("1_a")])).toEqual({
      applied: [],
      pending: [],
      failed: ["1_a"],
      unknown: [],
    });
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

describe("whyDeployIsNeeded", () => {
  const sum = (name: string) => `sum-of-${name}`;
  const shipped = (...names: string[]) => names.map((name) => ({ name, checksums: [sum(name), `lf-${sum(name)}`] }));
  const row = (migration_name: string, overrides: Partial<ChecksummedRecord> = {}): ChecksummedRecord => ({
    ...finished(migration_name),
    checksum: sum(migration_name),
    ...overrides,
  });

  it("nothing to do: every shipped migration applied once, finished, with its script's checksum, and nothing else", () => {
    expect(whyDeployIsNeeded(shipped("1_a", "2_b"), [row("1_a"), row("2_b")])).toBeUndefined();
    // Recorded under the checksum of the script with LF line ends.
    expect(whyDeployIsNeeded(shipped("1_a"), [row("1_a", { checksum: `lf-${sum("1_a")}` })])).toBeUndefined();
    expect(whyDeployIsNeeded([], [])).toBeUndefined();
  });

  it.each([
    ["a pending migration", shipped("1_a", "2_b"), [row("1_a")], "2_b is pending"],
    ["no history at all", shipped("1_a"), [], "1_a is pending"],
    ["a failed migration", shipped("1_a", "2_b"), [row("1_a"), row("2_b", { finished_at: null })], "2_b is unfinished or failed"],
    [
      "a rolled-back row, even with a later finished one",
      shipped("1_a"),
      [row("1_a", { finished_at: null, rolled_back_at: at }), row("1_a")],
      "1_a is rolled back",
    ],
    ["an edited migration", shipped("1_a"), [row("1_a", { checksum: "other" })], "1_a was modified after it was applied"],
    ["a migration applied twice", shipped("1_a"), [row("1_a"), row("1_a")], "1_a is recorded 2 times"],
    ["a migration this package does not ship", shipped("1_a"), [row("1_a"), row("0_old")], "0_old is applied but not shipped"],
  ])("%s goes through the CLI", (_label, local, records, why) => {
    expect(whyDeployIsNeeded(local, records)).toBe(why);
  });
});
