/**
 * `npm run dev:stack` and `npm run demo` leave nothing behind whichever of
 * their processes a signal reaches: npm (a process manager's SIGTERM, which
 * npm does not pass on through a shell), tsx, or the stack's own node. Each
 * case starts the real command in a process group of its own, finds its
 * servers through the stack's watchdog, signals one process, and waits for
 * every process of the group, both servers, the watchdog and both temporary
 * directories to be gone.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { isAlive as alive } from "../../dev/process-alive.js";
import { ROOT } from "../support/commands.js";

const GONE_WITHIN_MS = 20_000;

/** Every process's pid, process group and argument list, from /proc. */
function processes(): Array<{ pid: number; pgid: number; args: string[] }> {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        // The field after the parenthesised command name: state, ppid, pgrp.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
        return [{ pid: Number(pid), pgid, args: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean) }];
      } catch {
        return []; // ended while we looked
      }
    });
}

interface Job {
  npm: number;
  tsx: number;
  stack: number;
  /** The watchdog, the servers and the temporary directories, as the watchdog was told them. */
  watchdog: number;
  servers: number[];
  directories: string[];
}

/** The processes of `npm run <script>` started as group `group`, once the stack's watchdog runs. */
async function findJob(group: number, script: string): Promise<Job> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const all = processes();
    const members = all.filter((p) => p.pgid === group);
    const tsx = members.find((p) => p.args.some((arg) => arg.endsWith(".bin/tsx")));
    const stack = members.find((p) => p.args.includes(script) && p.args.some((arg) => arg.includes("loader.mjs")));
    const watchdog = stack && all.find((p) => p.args.some((arg) => arg.endsWith("dev/watchdog.ts")) && p.args.includes(String(stack.pid)));
    if (tsx && stack && watchdog) {
      const [, , children = "", ...directories] = watchdog.args.slice(watchdog.args.findIndex((arg) => arg.endsWith("watchdog.ts")) + 1);
      return { npm: group, tsx: tsx.pid, stack: stack.pid, watchdog: watchdog.pid, servers: children.split(",").map(Number), directories };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`npm run for ${script}: no stack with a watchdog within 120 s`);
}

/** Waits until nothing of `job` is left; throws naming what is. */
async function expectNothingLeft(job: Job): Promise<number> {
  const started = Date.now();
  const left = () => [
    ...processes()
      .filter((p) => p.pgid === job.npm)
      .map((p) => `${p.pid} ${p.args.slice(0, 3).join(" ")}`),
    ...[job.watchdog, ...job.servers].filter(alive).map(String),
    ...job.directories.filter((directory) => existsSync(directory)),
  ];
  while (Date.now() - started < GONE_WITHIN_MS) {
    if (left().length === 0) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`left behind ${GONE_WITHIN_MS} ms after the signal: ${left().join("; ")}`);
}

function start(script: "dev:stack" | "demo") {
  const child = spawn("npm", ["run", script], { cwd: ROOT, detached: true, stdio: "ignore" });
  return child.pid!;
}

const TARGETS = ["npm", "tsx", "stack"] as const;
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

describe.sequential("signals to npm run dev:stack and npm run demo", () => {
  it.for(SIGNALS.flatMap((signal) => TARGETS.map((target) => [signal, target] as const)))(
    "dev:stack: %s to %s leaves nothing behind",
    async ([signal, target]) => {
      const job = await findJob(start("dev:stack"), "dev/dev-stack.ts");
      expect(job.servers).toHaveLength(2);
      expect(job.directories).toHaveLength(2);
      expect(job.directories.every((directory) => existsSync(directory))).toBe(true);
      process.kill(job[target], signal);
      const ms = await expectNothingLeft(job);
      console.log(`dev:stack, ${signal} to ${target}: nothing left after ${ms} ms`);
    },
  );

  it.for(SIGNALS)("demo: %s to npm mid-run leaves nothing behind", async (signal) => {
    const job = await findJob(start("demo"), "dev/demo.ts");
    process.kill(job.npm, signal);
    const ms = await expectNothingLeft(job);
    console.log(`demo, ${signal} to npm: nothing left after ${ms} ms`);
  });
});
