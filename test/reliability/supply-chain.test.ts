/**
 * Suite 8: supply chain. A clean install gets exactly what was tested: the
 * lockfile is committed, CI installs from it with `npm ci`, and Prisma (whose
 * CLI, client and offline engine must agree to the commit) is pinned exactly.
 * The production tree holds no version a known advisory names, checked
 * offline against the lockfile (support/known-advisories.ts); `npm audit`
 * itself, which needs the registry's audit API, is in npm-audit.full.test.ts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT } from "../support/commands.js";
import { runCommand } from "../support/run-command.js";
import { advisoriesHit, KNOWN_ADVISORIES, productionPackages } from "./support/known-advisories.js";
import { check } from "./support/supply-chain.js";

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readJson<T>(...segments: string[]): Promise<T> {
  return JSON.parse(await readFile(path.join(ROOT, ...segments), "utf8")) as T;
}

/** Whether two name → range maps hold the same entries, in any order. */
function sameEntries(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const sorted = (record: Record<string, string>) => JSON.stringify(Object.entries(record).sort(([x], [y]) => x.localeCompare(y)));
  return sorted(a) === sorted(b);
}

/** `1.2.3` or `1.2.3-pre.4+build`: one version, no range. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

describe("supply chain", () => {
  it("package-lock.json is committed", async (context) => {
    const result = await runCommand("git", ["ls-files", "--error-unmatch", "package-lock.json"], { cwd: ROOT });
    const lock = await readJson<{ lockfileVersion?: number; packages?: Record<string, PackageJson> }>("package-lock.json");
    const manifest = await readJson<PackageJson>("package.json");
    // `npm ci` refuses a lockfile whose root disagrees with package.json; catch that here, with the names.
    const root = lock.packages?.[""] ?? {};
    const inSync = sameEntries(root.dependencies, manifest.dependencies) && sameEntries(root.devDependencies, manifest.devDependencies);
    check(context, result.code === 0 && inSync);
    expect(result.code, `git ls-files --error-unmatch package-lock.json: ${result.stderr}`).toBe(0);
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect({ dependencies: root.dependencies ?? {}, devDependencies: root.devDependencies ?? {} }).toEqual({
      dependencies: manifest.dependencies ?? {},
      devDependencies: manifest.devDependencies ?? {},
    });
  });

  it("CI installs with npm ci, never npm install", async (context) => {
    const script = await readFile(path.join(ROOT, ".ci", "run"), "utf8");
    const commands = script
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .join("\n");
    // Every npm command that installs or changes packages, wherever it sits on a line (`npm ci && npm test` too).
    const installs = [...commands.matchAll(/\bnpm (ci|install|i|add|update|up)\b/g)].map((match) => match[0]);
    const testsAt = commands.search(/\bnpm (test|run test)\b/);
    const installFirst = testsAt >= 0 && commands.search(/\bnpm ci\b/) >= 0 && commands.search(/\bnpm ci\b/) < testsAt;
    check(context, installs.length === 1 && installs[0] === "npm ci" && installFirst);
    expect(installs).toEqual(["npm ci"]);
    // The install comes before the tests, so they run on what the lockfile says.
    expect(installFirst, commands).toBe(true);
  });

  it("prisma and @prisma/* are pinned to exact versions, the ones installed", async (context) => {
    const manifest = await readJson<PackageJson>("package.json");
    const lock = await readJson<{ packages?: Record<string, { version?: string }> }>("package-lock.json");
    const declared = Object.entries({ ...manifest.optionalDependencies, ...manifest.devDependencies, ...manifest.dependencies }).filter(
      ([name]) => name === "prisma" || name.startsWith("@prisma/"),
    );
    const found = await Promise.all(
      declared.map(async ([name, range]) => ({
        name,
        declared: range,
        installed: (await readJson<{ version: string }>("node_modules", name, "package.json")).version,
        locked: lock.packages?.[`node_modules/${name}`]?.version,
      })),
    );
    const wrong = found.filter((p) => !EXACT_VERSION.test(p.declared) || p.installed !== p.declared || p.locked !== p.declared);
    check(context, declared.length > 0 && wrong.length === 0);
    // The CLI, the client and the offline engine are all here; a missing one means the filter is wrong.
    expect(found.map((p) => p.name)).toEqual(expect.arrayContaining(["prisma", "@prisma/client", "@prisma/schema-engine-wasm"]));
    expect(wrong, "not pinned exactly, or not the version installed / locked").toEqual([]);
  });

  it("the lockfile's production tree holds no version a known advisory names", async (context) => {
    const lock = await readJson<Parameters<typeof productionPackages>[0]>("package-lock.json");
    const production = productionPackages(lock);
    const hits = advisoriesHit(production);
    check(context, hits.length === 0);
    // What is checked is there (Prisma's CLI brings both packages), and development-only packages are not.
    const names = new Set(production.map((p) => p.name));
    expect(["prisma", "mysql2", "deepmerge-ts"].filter((name) => !names.has(name))).toEqual([]);
    expect(["vitest", "typescript-eslint", "eslint"].filter((name) => names.has(name))).toEqual([]);
    // The check catches what Prisma 7.10.0 pins on its own: mysql2 3.15.3 (two advisories) and deepmerge-ts 7.1.5.
    const pinnedByPrisma = [
      { location: "node_modules/mysql2", name: "mysql2", version: "3.15.3" },
      { location: "node_modules/deepmerge-ts", name: "deepmerge-ts", version: "7.1.5" },
    ];
    expect(advisoriesHit(pinnedByPrisma).map((hit) => hit.advisory.id)).toEqual(KNOWN_ADVISORIES.map((advisory) => advisory.id));
    expect(
      hits.map(
        ({ advisory, installed }) =>
          `${installed.location}@${installed.version}: ${advisory.id} (${advisory.severity}, ${advisory.vulnerable})`,
      ),
      "production packages inside a known advisory's range: upgrade them, or pin a fixed version in package.json's overrides",
    ).toEqual([]);
  });
});
