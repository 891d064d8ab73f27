import { describe, expect, it } from "vitest";

import type { NamedResult } from "../../../src/doctor/checks.js";
import { clean, formatResult, formatSummary, NAME_WIDTH } from "../../../src/doctor/format.js";
import { createScrubber } from "../../../src/shared/logging.js";

const noScrub = (text: string) => text;
const result = (name: NamedResult["name"], status: NamedResult["status"], detail: string): NamedResult => ({ name, status, detail });

describe("the checklist's lines", () => {
  it("words for logs, names padded so the details line up", () => {
    expect(NAME_WIDTH).toBe("database reachable".length);
    expect(formatResult(result("migrations", "pass", "1 of 1 applied"), "words", noScrub)).toBe("PASS  migrations          1 of 1 applied");
    expect(formatResult(result("database reachable", "fail", "cannot reach it"), "words", noScrub)).toBe(
      "FAIL  database reachable  cannot reach it",
    );
    expect(formatResult(result("Cognito lookups", "skip", "skipped (needs configuration)"), "words", noScrub)).toBe(
      "SKIP  Cognito lookups     skipped (needs configuration)",
    );
  });

  it("marks for a terminal", () => {
    expect(formatResult(result("manifest", "pass", "3 users"), "symbols", noScrub)).toBe("✓  manifest            3 users");
    expect(formatResult(result("manifest", "fail", "missing"), "symbols", noScrub)).toBe("✗  manifest            missing");
    expect(formatResult(result("manifest", "skip", "skipped"), "symbols", noScrub)).toBe("-  manifest            skipped");
  });

  it("a detail is always one line: line breaks and control characters become spaces", () => {
    const line = formatResult(result("manifest", "fail", "first\nsecond\r\n\tthird\u001b[31m"), "words", noScrub);
    expect(line).toBe("FAIL  manifest            first second third [31m");
    expect(line.split("\n")).toHaveLength(1);
  });

  it("secrets are scrubbed, and any password inside a URL", () => {
    const scrub = createScrubber(["SENTINEL-secret-key", "SENTINEL-db-pw"]);
    const line = formatResult(
      result("database reachable", "fail", "SENTINEL-secret-key and SENTINEL-db-pw at postgresql://flip:other-pw@db/flip"),
      "words",
      scrub,
    );
    expect(line).toBe("FAIL  database reachable  [redacted] and [redacted] at postgresql://flip:[redacted]@db/flip");
  });
});

describe("clean", () => {
  it.each([
    ["a bare address", "no account for alice.smith@example.org", "no account for a***@example.org"],
    ["quoted", 'email "bob@nhs.example.uk" rejected', 'email "b***@nhs.example.uk" rejected'],
    ["after a colon or equals sign", "email:carol@example.org email=dave@example.org", "email:c***@example.org email=d***@example.org"],
    ["several", "eve@example.org, frank@example.org", "e***@example.org, f***@example.org"],
    ["the user of a URL is not an email", "e.g. postgresql://flip@db.internal:5432/flip", "e.g. postgresql://flip@db.internal:5432/flip"],
  ])("redacts emails: %s", (_label, text, expected) => {
    expect(clean(text, noScrub)).toBe(expected);
  });
});

describe("the summary", () => {
  const all = (status: NamedResult["status"]) => [result("configuration", status, ""), result("manifest", status, "")];

  it("all passed", () => {
    expect(formatSummary(all("pass"))).toBe("doctor: all 2 checks passed");
  });

  it("counts failures, skips and passes and says what to do", () => {
    expect(formatSummary([result("configuration", "fail", ""), result("manifest", "pass", ""), result("migrations", "skip", "")])).toBe(
      "doctor: 1 failed, 1 skipped, 1 passed: fix what the failed checks say, then run npm run doctor again",
    );
    expect(formatSummary([result("configuration", "fail", ""), result("manifest", "pass", "")])).toBe(
      "doctor: 1 failed, 1 passed: fix what the failed checks say, then run npm run doctor again",
    );
  });
});
