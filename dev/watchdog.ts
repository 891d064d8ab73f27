/**
 * Stops the local stack's servers when the process that started them dies
 * without stopping them (SIGKILL, a crashed test runner, a closed terminal).
 *
 * Usage: watchdog <parent pid> <comma-separated child pids> [directory to remove]...
 * Runs detached; polls the parent twice a second.
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

const [parentArg, childArg = "", ...directories] = process.argv.slice(2);
const parent = Number(parentArg);
const children = childArg.split(",").filter(Boolean).map(Number);

const timer = setInterval(() => {
  const living = children.filter(alive);
  if (living.length === 0) {
    // The stack was stopped normally.
    clearInterval(timer);
    return;
  }
  if (alive(parent)) return;
  clearInterval(timer);
  // SIGINT is PostgreSQL's fast shutdown; anything still up after the grace period is killed.
  for (const pid of living) signal(pid, "SIGINT");
  const deadline = Date.now() + GRACE_MS;
  const reaper = setInterval(() => {
    const left = living.filter(alive);
    if (left.length > 0 && Date.now() < deadline) return;
    for (const pid of left) signal(pid, "SIGKILL");
    clearInterval(reaper);
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  }, 100);
}, POLL_MS);
