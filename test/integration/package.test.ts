/**
 * flip-db as a real package: `npm pack` (its prepack script included), checked
 * by publint and Are the Types Wrong, the tarball installed into an empty
 * project with and without --ignore-scripts, a consumer written
 * in TypeScript type-checked under `strict` with `moduleResolution: nodenext`,
 * compiled and run with plain node against the local stack, seeding through
 * `seedMainUsers` and `ensureUserAndRole`.
 *
 * The package is packed from a copy of the repository, so that building
 * `dist/` there never changes what the other tests run here.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { output, ROOT } from "../support/commands.js";
import { grants, profiles } from "../support/database-state.js";
import { copyOfPackage } from "../support/package-copy.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario } from "../support/seed-fixture.js";

const CONSUMER = `import {
  connectDatabase,
  createCognitoDirectory,
  ensureUserAndRole,
  ManifestError,
  ROLES,
  seedMainUsers,
  type ManifestEntry,
  type SeedReport,
  type UserResult,
} from "flip-db";

const users: ManifestEntry[] = [
  { email: "ada@example.org", name: "Ada", organisation: "North Trust", role: "Admin" },
  { email: "missing@example.org", name: "Nobody", organisation: "North Trust", role: "Viewer" },
];

const db = connectDatabase(process.env.DATABASE_URL ?? "", { connectTimeoutMs: 5_000 });
const directory = createCognitoDirectory({ region: process.env.AWS_REGION ?? "", userPoolId: process.env.AWS_COGNITO_USER_POOL_ID ?? "" });
try {
  const report: SeedReport = await seedMainUsers(db, { users, directory, requestsPerSecond: 20 });
  const grace: UserResult = await ensureUserAndRole(db, directory, {
    email: "grace@example.org",
    name: "Grace",
    organisation: "South Trust",
    role: "Researcher",
  });
  let refused: string[] = [];
  try {
    await ensureUserAndRole(db, directory, { ...users[0]!, email: 'ada"@example.org' });
  } catch (error) {
    if (error instanceof ManifestError) refused = [...error.problems];
  }
  // @ts-expect-error: a role the package does not know is a type error, not a runtime surprise.
  const wrongRole: ManifestEntry = { email: "x@example.org", name: "X", organisation: "Y", role: "Superuser" };
  // @ts-expect-error: a per-trust role is not a role the seed grants.
  const trustRole: ManifestEntry = { email: "x@example.org", name: "X", organisation: "Y", role: "Trust Admin" };
  console.log(JSON.stringify({ counts: report.counts, written: report.written, grace, refused, roles: ROLES.map((role) => role.name), wrongRole: wrongRole.role, trustRole: trustRole.role }));
} finally {
  directory.close();
  await db.$disconnect();
}
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "ES2023",
    lib: ["ES2023"],
    types: ["node"],
    // The consumer's own @types/node: this repository's, rather than a second download.
    typeRoots: [path.join(ROOT, "node_modules", "@types")],
    // The package's declarations are checked too, not only the consumer's use of them.
    skipLibCheck: false,
    outDir: "out",
  },
  files: ["consumer.ts"],
};

/** The install modes a consumer may use; both must work, and neither may warn about flip-db's own scripts. */
const INSTALLS = [
  ["with --ignore-scripts", ["--ignore-scripts"]],
  ["with its scripts", []],
] as const;

describe("the packed library", () => {
  const scratch: string[] = [];
  let tarball: string;
  let shipped: string[];

  beforeAll(async () => {
    const checkout = await copyOfPackage();
    scratch.push(checkout.root);
    const packs = await temporary("flip-db-pack-");
    const packed = await runCommand("npm", ["pack", "--json", "--pack-destination", packs], { cwd: checkout.root, timeoutMs: 300_000 });
    expect(packed.code, output(packed)).toBe(0);
    const [{ filename, files }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [
      { filename: string; files: Array<{ path: string }> },
    ];
    tarball = path.join(packs, filename);
    shipped = files.map((file) => file.path);
  }, 400_000);

  afterAll(async () => {
    for (const directory of scratch) await rm(directory, { recursive: true, force: true });
  });
  const temporary = async (prefix: string) => {
    const directory = await mkdtemp(path.join(tmpdir(), prefix));
    scratch.push(directory);
    return directory;
  };

  it("ships the library, the licence and the docs, and nothing of the repository's own", () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        "dist/src/index.js",
        "dist/src/index.d.ts",
        "dist/src/generated/prisma/client.js",
        "bin/deploy.js",
        "LICENSE",
        // The upgrade notes travel with the package an operator deploys.
        "CHANGELOG.md",
        "docs/upgrading.md",
      ]),
    );
    expect(
      shipped.filter(
        (file) =>
          /^(test|bench|src|scripts|dev)\//.test(file) ||
          /^dist\/(src\/)?(test|bench|scripts|dev)\//.test(file) ||
          (file.endsWith(".ts") && !file.endsWith(".d.ts") && file !== "prisma.config.ts"),
      ),
    ).toEqual([]);
    // Source maps would name src/, which does not ship.
    expect(shipped.filter((file) => file.endsWith(".map"))).toEqual([]);
  });

  it("passes publint and Are the Types Wrong (as an ESM-only package)", async () => {
    const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
    const publint = await runCommand(bin("publint"), ["run", "--strict", tarball], { cwd: ROOT, timeoutMs: 120_000 });
    expect(publint.code, output(publint)).toBe(0);
    expect(publint.stdout).toContain("All good!");
    const attw = await runCommand(bin("attw"), [tarball, "--profile", "esm-only"], { cwd: ROOT, timeoutMs: 120_000 });
    expect(attw.code, output(attw)).toBe(0);
  });

  it.each(INSTALLS)(
    "installs into an empty project %s, type-checks under strict and seeds through seedMainUsers and ensureUserAndRole",
    async (_mode, flags) => {
      const consumer = await temporary("flip-db-consumer-");
      await writeFile(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      // No install script is needed: the generated Prisma client ships inside the package.
      const install = await runCommand("npm", ["install", ...flags, "--no-audit", "--no-fund", tarball], {
        cwd: consumer,
        timeoutMs: 600_000,
      });
      expect(install.code, output(install)).toBe(0);
      expect(output(install)).not.toMatch(/flip-db@\S+ \(/);
      const manifest = JSON.parse(await readFile(path.join(consumer, "node_modules", "flip-db", "package.json"), "utf8")) as {
        license: string;
        scripts: Record<string, string>;
      };
      expect(manifest.license).toBe("Apache-2.0");
      expect(Object.keys(manifest.scripts).filter((name) => /^(pre|post)?(install|prepare)$/.test(name) && name !== "postprepare")).toEqual(
        [],
      );
      const shippedJs = await readFile(path.join(consumer, "node_modules", "flip-db", "dist", "src", "index.js"), "utf8");
      expect(shippedJs).not.toContain("sourceMappingURL");
      expect(existsSync(path.join(consumer, "node_modules", "tsx")), "tsx installed for the consumer").toBe(false);
      await writeFile(path.join(consumer, "consumer.ts"), CONSUMER);
      await writeFile(path.join(consumer, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG));
      const compiled = await runCommand("node", [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
        cwd: consumer,
      });
      expect(compiled.code, output(compiled)).toBe(0);

      const s = await scenario([{ email: "ada@example.org" }, { email: "grace@example.org" }], [entry("ada@example.org")]);
      const run = await runCommand("node", ["out/consumer.js"], { cwd: consumer, env: s.env, timeoutMs: 120_000 });
      expect(run.code, output(run)).toBe(0);
      const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
      const [adaSub, graceSub] = s.subs as [string, string];
      expect(result).toEqual({
        counts: { resolved: 1, not_found: 1, ineligible: 0, ambiguous: 0, transient: 0 },
        written: { roles: 4, profilesCreated: 1, profilesUpdated: 0, userRoles: 1, seedGrants: 1 },
        grace: { outcome: "resolved", sub: graceSub, profile: "create", grant: "grant", trustScopedRoles: 0, heldRoles: [] },
        refused: ['ensureUserAndRole: user.email: must not contain a double quote (")'],
        roles: ["Admin", "Researcher", "Viewer", "Trust Admin"],
        wrongRole: "Superuser",
        trustRole: "Trust Admin",
      });
      expect(await grants(s.databaseUrl)).toEqual(
        [
          { user_id: adaSub, role: "Admin" },
          { user_id: graceSub, role: "Researcher" },
        ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
      );
      expect((await profiles(s.databaseUrl)).map((row) => row.name).sort()).toEqual(["Ada", "Grace"]);
    },
  );
});
