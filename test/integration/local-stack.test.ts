import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { describe, expect, it } from "vitest";

import { isAlive as alive } from "../../dev/process-alive.js";
import { ROOT } from "../support/commands.js";
import { runCommand } from "../support/run-command.js";

interface StackReport {
  pids: number[];
  directories: string[];
}

/** Waits until none of `pids` runs and none of `directories` exists; returns how long that took. */
async function expectGone(report: StackReport, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (!report.pids.some(alive) && !report.directories.some((directory) => existsSync(directory))) {
      return Date.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `still there after ${withinMs} ms: pids ${report.pids.filter(alive).join(",")} dirs ${report.directories.filter((d) => existsSync(d)).join(",")}`,
  );
}

function holdStack(mode?: "throw") {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/hold-stack.ts", ...(mode ? [mode] : [])], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const report = new Promise<StackReport>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line) as StackReport));
    child.once("exit", (code) => reject(new Error(`hold-stack exited early (${String(code)})`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, report, exited };
}

// These tests start stacks of their own; they run one at a time.
describe.sequential("the local stack leaves no server behind", () => {
  it("when its process is killed with SIGKILL (the watchdog stops the servers)", async () => {
    const { child, report, exited } = holdStack();
    const started = await report;
    expect(started.pids.every(alive)).toBe(true);
    child.kill("SIGKILL");
    await exited;
    const ms = await expectGone(started, 15_000);
    console.log(`servers gone ${ms} ms after SIGKILL`);
  });

  it("on Ctrl-C (SIGINT)", async () => {
    const { child, report, exited } = holdStack();
    const started = await report;
    child.kill("SIGINT");
    // Ended by the signal itself once both servers are stopped and their directories gone, as a shell expects,
    // not by a library's process.exit as soon as PostgreSQL alone is down.
    expect(await exited).toEqual({ code: null, signal: "SIGINT" });
    await expectGone(started, 15_000);
  });

  it("when its process crashes with an uncaught exception", async () => {
    const { report, exited } = holdStack("throw");
    const started = await report;
    await exited;
    await expectGone(started, 15_000);
  });

  it("after a test run whose tests fail", async () => {
    const reportFile = path.join(tmpdir(), `flip-db-stack-report-${process.pid}.json`);
    const run = await runCommand("npx", ["vitest", "run", "--config", "test/fixtures/failing-suite/vitest.config.ts"], {
      cwd: ROOT,
      env: { FLIP_DB_STACK_REPORT: reportFile, CI: "1" },
      timeoutMs: 120_000,
    });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain("fails on purpose");
    const started = JSON.parse(await readFile(reportFile, "utf8")) as StackReport;
    await expectGone(started, 5_000);
  });

  it("npm run dev:stack prints a working environment and stops everything on Ctrl-C", async () => {
    const before = new Set(postgresDataDirectories());
    const child = spawn(process.execPath, ["--import", "tsx", "dev/dev-stack.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    let printed = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        printed += chunk;
        if (printed.includes("npx prisma db seed")) resolve();
      });
      child.once("exit", () => reject(new Error(`dev:stack exited early:\n${printed}`)));
    });
    const env = Object.fromEntries([...printed.matchAll(/export (\w+)='([^']*)'/g)].map((match) => [match[1]!, match[2]!]));
    expect(Object.keys(env).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_COGNITO_USER_POOL_ID",
      "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "DATABASE_URL",
    ]);
    const migrate = await runCommand("npx", ["prisma", "migrate", "deploy"], { cwd: ROOT, env });
    expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    await exited;
    expect(leftBehindSince(before)).toEqual([]);
  });

  it("npm run demo seeds the roles and the demo users, skips the missing one, prints the rows and stops its servers", async () => {
    const before = new Set(postgresDataDirectories());
    const demo = await runCommand("npm", ["run", "demo"], { cwd: ROOT, timeoutMs: 180_000 });
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    for (const id of [
      "64d3145b-034c-4328-b637-8eb54313b7c5",
      "10b64ed0-bc90-4c01-9cc3-933c704905c1",
      "cdee79c9-a5e1-4b9e-a315-1ec2f3d29efe",
    ]) {
      expect(demo.stdout).toContain(id);
    }
    // The seed's own log (JSON: stdout is not a terminal here) shows the deliberate skip.
    expect(demo.stdout).toMatch(/"outcome":"not_found".*users\[2\] t\*\*\*@example.com \(Admin\): skipped/);
    expect(demo.stdout).toContain("6 of 7 users seeded, 1 skipped");
    expect(demo.stdout).toMatch(/user_role \(6\)/);
    for (const name of ["Platform Admin", "Demo Researcher", "Demo Admin"]) expect(demo.stdout).toContain(name);
    expect(demo.stdout).toContain("Local stack stopped.");
    // The stack's own AWS secret, "local", is a short word: the pool id local_… and the rest print as they are.
    expect(demo.stdout).not.toContain("[redacted]");
    expect(leftBehindSince(before)).toEqual([]);
  });
});

/**
 * The servers started since `before` that outlived the process that started
 * them (whose pid is in the data directory's name): left behind. Stacks other
 * tests or runs on this machine start meanwhile, their owners still alive,
 * are not.
 */
function leftBehindSince(before: Set<string>): string[] {
  return postgresDataDirectories().filter((directory) => {
    const owner = Number(/flip-db-pg-(\d+)-/.exec(path.basename(directory))?.[1]);
    return !before.has(directory) && !alive(owner);
  });
}

/** The data directories of the running postgres servers this package's stacks started. */
function postgresDataDirectories(): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      let args: string[];
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      } catch {
        return []; // the process ended while we looked
      }
      const directory = args[args.indexOf("-D") + 1];
      return args.includes("-D") && directory?.includes("flip-db-pg-") ? [directory] : [];
    });
}
