/**
 * Published advisories against packages in the production tree, checked
 * offline against package-lock.json: `npm audit` needs the registry's audit
 * API (POST), which this project's machines cannot reach. Add an advisory
 * here when one is published against a production dependency; ranges are
 * the advisories' own "affected versions", in semver.
 */
import semver from "semver";

export interface KnownAdvisory {
  id: string;
  package: string;
  /** The versions affected. */
  vulnerable: string;
  severity: "low" | "moderate" | "high" | "critical";
  summary: string;
}

export const KNOWN_ADVISORIES: readonly KnownAdvisory[] = [
  {
    id: "GHSA-3f6p-5ww8-9rcr",
    package: "mysql2",
    vulnerable: "<3.22.0",
    severity: "high",
    summary: "authentication downgrade to mysql_clear_password leaks the password to a rogue server",
  },
  {
    id: "GHSA-rgwj-5xj2-c3m3",
    package: "mysql2",
    vulnerable: "<=3.23.0",
    severity: "moderate",
    summary: "unbounded zlib inflate in the compressed protocol",
  },
  {
    id: "GHSA-ggr8-5vv4-36mx (CVE-2026-40345)",
    package: "deepmerge-ts",
    vulnerable: "<8.0.0",
    severity: "high",
    summary: "stack exhaustion when merging recursive object graphs",
  },
];

export interface LockedPackage {
  /** Where it is installed, e.g. node_modules/prisma/node_modules/mysql2. */
  location: string;
  name: string;
  version: string;
}

interface LockEntry {
  name?: string;
  version?: string;
  dev?: boolean;
  link?: boolean;
}

/**
 * The packages `npm ci --omit=dev` installs: every entry of the lockfile's
 * "packages" but the root, links and those marked `dev` (an entry that is
 * only `devOptional` may be an optional dependency of production, so it
 * counts).
 */
export function productionPackages(lock: { packages?: Record<string, LockEntry> }): LockedPackage[] {
  return Object.entries(lock.packages ?? {})
    .filter(([location, entry]) => location !== "" && entry.dev !== true && entry.link !== true && entry.version !== undefined)
    .map(([location, entry]) => ({
      location,
      // An alias (`"x": "npm:y@1"`) records the real name; otherwise it is the last node_modules/ segment.
      name: entry.name ?? location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length),
      version: entry.version!,
    }));
}

/** Each installed package that an advisory's range holds, with the advisory. */
export function advisoriesHit(
  packages: readonly LockedPackage[],
  advisories: readonly KnownAdvisory[] = KNOWN_ADVISORIES,
): Array<{ advisory: KnownAdvisory; installed: LockedPackage }> {
  return advisories.flatMap((advisory) =>
    packages
      .filter((installed) => installed.name === advisory.package)
      // Pre-releases count: a 3.22.0-rc is no fix for 3.22.0's advisory.
      .filter((installed) => semver.satisfies(installed.version, advisory.vulnerable, { includePrerelease: true }))
      .map((installed) => ({ advisory, installed })),
  );
}
