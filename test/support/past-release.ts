/**
 * A past release of this package, taken from the repository's own history
 * (`git archive` of its commit) and installed with `npm ci` under
 * `.tmp/releases/<version>/`, once: later runs, and other vitest workers, find
 * it there. The upgrade tests boot it beside the release under test. Nothing
 * here needs vitest.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { isAlive } from "../../dev/process-alive.js";
import { ROOT } from "./commands.js";
import { runCommand, type CommandResult } from "./run-command.js";

export interface Release {
  version: string;
  /** The commit of `main` the release was cut from (tagged `v<version>`). */
  commit: string;
  /** The last migration it ships: a database it migrated holds the migrations up to this one. */
  lastMigration: string;
}

export const RELEASE_0_1_0: Release = {
  version: "0.1.0",
  commit: "aa800b460866a191ed860e5b4e8e3e0c303643f3",
  lastMigration: "20261128063814_init",
};

/** Written last, inside the staging directory before it is renamed into place: its presence means a whole install. */
const INSTALLED_MARK = ".installed";
/** `npm ci` of a release took about a minute here; a worker waiting for another's install gives up well after that. */
const INSTALL_WAIT_MS = 15 * 60_000;

function releasesDirectory(): string {
  return path.join(ROOT, ".tmp", "releases");
}

/** The environment for a release's own npm: none of the npm_* variables of the `npm test` that may be running us. */
function cleanEnvironment(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).map(([key, value]) => [key, key.startsWith("npm_") ? undefined : value]));
}

function failed(step: string, result: CommandResult): Error {
  return new Error(`${step} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

async function assertCommitPresent(release: Release): Promise<void> {
  const found = await runCommand("git", ["-C", ROOT, "cat-file", "-e", `${release.commit}^{commit}`]);
  if (found.code !== 0) {
    throw new Error(
      `the ${release.version} release (commit ${release.commit.slice(0, 7)}) is not in this clone's history, ` +
        `as in a shallow clone: run git fetch --unshallow --tags, then the tests again`,
    );
  }
}

/** `git archive` of the release's commit, extracted and installed with `npm ci` in `staging`. */
async function build(release: Release, staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const tarball = `${staging}.tar`;
  const archived = await runCommand("git", ["-C", ROOT, "archive", "--format=tar", `--output=${tarball}`, release.commit]);
  if (archived.code !== 0) throw failed(`git archive ${release.commit}`, archived);
  const extracted = await runCommand("tar", ["-xf", tarball, "-C", staging]);
  await rm(tarball, { force: true });
  if (extracted.code !== 0) throw failed("tar -x", extracted);
  const installed = await runCommand("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: staging,
    env: cleanEnvironment(),
    timeoutMs: INSTALL_WAIT_MS,
  });
  if (installed.code !== 0) throw failed(`npm ci of ${release.version}`, installed);
  await writeFile(path.join(staging, INSTALLED_MARK), `${release.commit}\n`);
}

/**
 * Takes the install lock (a directory, created atomically), or reports that
 * another live process holds it. A lock whose owner died (a killed run) is
 * taken over.
 */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(path.join(lock, "pid"), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const owner = Number(await readFile(path.join(lock, "pid"), "utf8").catch(() => ""));
  // No pid yet: its owner is between mkdir and writeFile; wait for it like any other.
  if (owner > 0 && !isAlive(owner)) await rm(lock, { recursive: true, force: true });
  return false;
}

/**
 * The directory of `release`, installed and ready to run (`node bin/deploy.js`,
 * `npx prisma …` from there). Fails with one line when the repository lacks
 * the release's commit (a shallow clone).
 */
export async function installedRelease(release: Release = RELEASE_0_1_0): Promise<string> {
  const directory = path.join(releasesDirectory(), release.version);
  const lock = `${directory}.lock`;
  const deadline = Date.now() + INSTALL_WAIT_MS;
  await mkdir(releasesDirectory(), { recursive: true });
  while (!existsSync(path.join(directory, INSTALLED_MARK))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for another process to install ${release.version} (lock ${lock})`);
    if (!(await tryLock(lock))) {
      await sleep(500);
      continue;
    }
    try {
      if (existsSync(path.join(directory, INSTALLED_MARK))) break;
      await assertCommitPresent(release);
      const staging = `${directory}.staging`;
      await build(release, staging);
      // A leftover without the mark (an install killed before this change) goes; the rename is atomic.
      await rm(directory, { recursive: true, force: true });
      await rename(staging, directory);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  return directory;
}
