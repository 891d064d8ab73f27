/**
 * The production image: `npm run build`'s output with production dependencies
 * only (`npm ci --omit=dev`: no tsx, no TypeScript, no src/), on which
 * `npx prisma migrate deploy` and `npx prisma db seed` still work, the seed
 * and the schema engine running with plain node.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { output, pathWithoutPackageBins, ROOT } from "../support/commands.js";
import { grants } from "../support/database-state.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario } from "../support/seed-fixture.js";
import { freshDatabase } from "../support/stack.js";

describe("the production build", () => {
  let image: string | undefined;
  afterAll(async () => {
    if (image) await rm(image, { recursive: true, force: true });
  });

  it("migrates and seeds with production dependencies only: no tsx, no TypeScript", async () => {
    image = await mkdtemp(path.join(tmpdir(), "flip-db-image-"));
    // What a Dockerfile's build stage does (into the image's dist/, not the repository's).
    const build = await runCommand("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", path.join(image, "dist")], { cwd: ROOT });
    expect(build.code, output(build)).toBe(0);
    for (const file of ["package.json", "package-lock.json", "prisma.config.ts", "bin", "prisma"]) {
      await cp(path.join(ROOT, file), path.join(image, file), { recursive: true });
    }
    // What its run stage does: production dependencies from the lockfile.
    const install = await runCommand("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: image,
      timeoutMs: 600_000,
    });
    expect(install.code, output(install)).toBe(0);
    expect(existsSync(path.join(image, "node_modules", "tsx")), "tsx installed").toBe(false);
    expect(existsSync(path.join(image, "src")), "TypeScript sources shipped").toBe(false);
    // npm installs TypeScript as a peer of @prisma/client; nothing here runs it, as its removal shows.
    await rm(path.join(image, "node_modules", "typescript"), { recursive: true, force: true });

    const s = await scenario([{ email: "ada@example.org" }], [entry("ada@example.org", "Admin")]);
    const databaseUrl = await freshDatabase("image");
    const env = { ...s.env, DATABASE_URL: databaseUrl };
    const migrate = await runCommand("npx", ["prisma", "migrate", "deploy"], { cwd: image, env, timeoutMs: 120_000 });
    expect(migrate.code, output(migrate)).toBe(0);
    const seed = await runCommand("npx", ["prisma", "db", "seed"], { cwd: image, env, timeoutMs: 120_000 });
    expect(seed.code, output(seed)).toBe(0);
    expect(output(seed)).toContain(`Running seed command \`${process.execPath} ${path.join(image, "dist", "prisma", "seed.js")}\``);
    expect((await grants(databaseUrl)).map((grant) => grant.role)).toEqual(["Admin"]);

    // The image's entrypoint as the README gives it for `node bin/…`: a plain node, no node_modules/.bin on PATH.
    const deployedUrl = await freshDatabase("image_deploy");
    const deploy = await runCommand(process.execPath, ["bin/deploy.js", "--wait-for-db", "5"], {
      cwd: image,
      env: { ...env, DATABASE_URL: deployedUrl, PATH: pathWithoutPackageBins() },
      timeoutMs: 120_000,
    });
    expect(deploy.code, output(deploy)).toBe(0);
    // The compiled seed, in deploy's own process (the image has no tsx to run anything else).
    expect(deploy.stdout).toContain('"msg":"running the seed"');
    expect((await grants(deployedUrl)).map((grant) => grant.role)).toEqual(["Admin"]);
  });
});
