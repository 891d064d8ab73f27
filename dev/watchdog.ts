/**
 * Stops the local stack's servers when the process that started them dies
 * without stopping them (SIGKILL, a crashed test runner, a closed terminal);
 * and stops that process (SIGTERM, so that it cleans up itself) when one of
 * its job's ancestors dies first: npm killed alone forwards nothing.
 *
 * Usage: watchdog <parent pid> <comma-separated job ancestor pids> <comma-separated child pids> [directory to remove]...
 * Runs detached; polls twice a second.
 */
import { rmSync } from "node:fs";

import { isAlive as alive } from "./process-alive.js";

const POLL_MS = 500;
const GRACE_MS = 5_000;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

const pids = (list = "") => list.split(",").filter(Boolean).map(Number);
const [parentArg, ancestorArg, childArg, ...directories] = process.argv.slice(2);
const parent = Number(parentArg);
const ancestors = pids(ancestorArg);
const children = pids(childArg);
let askedToStop = false;

function removeDirectories(): void {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
}

const timer = setInterval(() => {
  const living = children.filter(alive);
  if (living.length === 0) {
    // The servers were stopped: normally (the stack removes its directories), or by a stack cut short.
    clearInterval(timer);
    if (!alive(parent)) removeDirectories();
    return;
  }
  if (alive(parent)) {
    // npm or tsx gone, the stack left behind: ask it to stop, once; should it not, the next branch follows its death.
    if (!askedToStop && !ancestors.every(alive)) {
      askedToStop = true;
      signal(parent, "SIGTERM");
    }
    return;
  }
  clearInterval(timer);
  // SIGINT is PostgreSQL's fast shutdown; anything still up after the grace period is killed.
  for (const pid of living) signal(pid, "SIGINT");
  const deadline = Date.now() + GRACE_MS;
  const reaper = setInterval(() => {
    const left = living.filter(alive);
    if (left.length > 0 && Date.now() < deadline) return;
    for (const pid of left) signal(pid, "SIGKILL");
    clearInterval(reaper);
    removeDirectories();
  }, 100);
}, POLL_MS);
