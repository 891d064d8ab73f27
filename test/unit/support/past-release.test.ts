import { existsSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT } from "../../support/commands.js";
import { installedRelease } from "../../support/past-release.js";

describe("installedRelease", () => {
  it("without the release's commit in the clone's history (a shallow clone), fails with one line saying how to fetch it", async () => {
    const missing = { version: "0.0.0-missing", commit: "0".repeat(40), lastMigration: "none" };
    const error = await installedRelease(missing).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "the 0.0.0-missing release (commit 0000000) is not in this clone's history, as in a shallow clone: " +
        "run git fetch --unshallow --tags, then the tests again",
    );
    // Nothing half-made is left behind: no release directory, no lock.
    const releases = path.join(ROOT, ".tmp", "releases");
    expect(existsSync(path.join(releases, "0.0.0-missing"))).toBe(false);
    expect(existsSync(path.join(releases, "0.0.0-missing.lock"))).toBe(false);
  });
});
