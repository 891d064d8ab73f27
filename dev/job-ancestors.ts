/**
 * The processes above this one in its job: `npm run dev:stack` starts npm,
 * then tsx, then the stack's own node, all in one process group. A signal
 * that kills npm alone (SIGTERM from a process manager) does not reach the
 * stack, so the watchdog watches these too and stops the stack when one dies.
 */
import { execFileSync } from "node:child_process";

/** `pid`'s parent and process group, from `ps` (POSIX); undefined once the process is gone. */
function parentAndGroup(pid: number): { ppid: number; pgid: number } | undefined {
  try {
    const [ppid, pgid] = execFileSync("ps", ["-o", "ppid=", "-o", "pgid=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .map(Number);
    return ppid === undefined || pgid === undefined || Number.isNaN(ppid) ? undefined : { ppid, pgid };
  } catch {
    return undefined;
  }
}

/** The ancestors of `pid` in its own process group, nearest first; none where `ps` cannot tell. */
export function jobAncestors(pid = process.pid): number[] {
  const own = parentAndGroup(pid);
  if (own === undefined) return [];
  const ancestors: number[] = [];
  let next = own.ppid;
  while (next > 1) {
    const above = parentAndGroup(next);
    if (above === undefined || above.pgid !== own.pgid) break;
    ancestors.push(next);
    next = above.ppid;
  }
  return ancestors;
}
