/**
 * Whether this machine has PgBouncer, for the tests that need a real one
 * (`*.pgbouncer.test.ts`). Only Node's own modules: vitest.config.ts reads it.
 *
 * Without PgBouncer, `npm test` runs everything else and says in one line which
 * tests it could not run and what to install. CI sets FLIP_DB_REQUIRE_PGBOUNCER=1,
 * and there those tests run, and fail, without it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** What CI installs, and what the line about tests not run says to install. */
export const PGBOUNCER_PACKAGE = "pgbouncer";

/** The tests that need a real PgBouncer, by name. */
export const PGBOUNCER_TESTS = "test/**/*.pgbouncer.test.ts";
const PGBOUNCER_TEST_SUFFIX = ".pgbouncer.test.ts";

/** Where Debian's package puts the binary: /usr/sbin is not on every user's PATH. */
const CANDIDATES = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/sbin/pgbouncer", "/usr/local/bin/pgbouncer"];

/** The pgbouncer binary, on PATH or where Debian puts it; undefined when it is not installed. */
export function findPgBouncer(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v pgbouncer"], { encoding: "utf8" }).stdout?.trim() ?? "";
  if (onPath !== "") return onPath;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Set by CI: the PgBouncer tests must run, and fail without PgBouncer. */
export function pgBouncerRequired(): boolean {
  return process.env.FLIP_DB_REQUIRE_PGBOUNCER === "1";
}

/** The PgBouncer tests under `root`'s test/, as paths relative to `root`. */
export function pgBouncerTestFiles(root: string): string[] {
  const walk = (directory: string): string[] =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.name.endsWith(PGBOUNCER_TEST_SUFFIX) ? [path.relative(root, full)] : [];
    });
  return walk(path.join(root, "test")).sort();
}

/** The one line `npm test` prints when it could not run them. */
export function notRunLine(files: readonly string[]): string {
  return `Not run, PgBouncer is not installed: ${files.join(", ")}; install the ${PGBOUNCER_PACKAGE} package (apt-get install -y ${PGBOUNCER_PACKAGE}) to run them`;
}
