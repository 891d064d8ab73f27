/**
 * `npm run db:deploy` (bin/deploy.js), as a container entrypoint runs it:
 * waits for PostgreSQL, migrates, seeds, and exits with the seed's own code.
 */
import { afterEach, describe, expect, it } from "vitest";

import { freePort } from "../../dev/free-port.js";
import { logLines, output, pathWithoutPackageBins, ROOT } from "../support/commands.js";
import { grants } from "../support/database-state.js";
import { query } from "../support/postgres.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario } from "../support/seed-fixture.js";
import { freshDatabase, stack } from "../support/stack.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const MANIFEST = [entry("ada@example.org", "Admin"), entry("ben@example.org", "Viewer")];
const POOL = MANIFEST.map(({ email }) => ({ email }));

function deploy(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  return runCommand("node", ["bin/deploy.js", ...args], { cwd: ROOT, env, timeoutMs });
}

function onPort(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.port = String(port);
  return url.toString();
}

describe("db:deploy", () => {
  let late: TcpProxy | undefined;
  afterEach(async () => {
    await late?.cut();
    late = undefined;
  });

  it("waits for a database that comes up a few seconds late, then migrates and seeds", async () => {
    const s = await scenario(POOL, MANIFEST);
    const databaseUrl = await freshDatabase("late");
    const port = await freePort();
    const env = { ...s.env, DATABASE_URL: onPort(databaseUrl, port) };
    const running = deploy(["--wait-for-db", "30"], env);
    // Nothing listens on the port for three seconds; then the database "comes up".
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    late = await startTcpProxy(stack().postgresPort, "127.0.0.1", port);
    const result = await running;
    expect(result.code, output(result)).toBe(0);
    const lines = logLines(result).map((line) => line.msg);
    expect(lines).toContainEqual(expect.stringMatching(/^waiting for PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/));
    expect(lines).toContainEqual(expect.stringMatching(/^PostgreSQL at 127\.0\.0\.1:\d+ accepts connections \(after \d+\.\d s\)$/));
    expect(result.stdout).toContain("All migrations have been successfully applied.");
    expect((await grants(databaseUrl)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);
  });

  it("gives up after --wait-for-db with one clear line, and runs nothing", async () => {
    const s = await scenario(POOL, MANIFEST);
    const port = await freePort();
    const result = await deploy(["--wait-for-db", "2"], { ...s.env, DATABASE_URL: onPort(s.databaseUrl, port) });
    expect(result.code).toBe(1);
    const fatal = logLines(result).filter((line) => line.level === "fatal");
    expect(fatal.map((line) => line.code)).toEqual(["DATABASE_UNAVAILABLE"]);
    expect(fatal.map((line) => line.msg)).toEqual([
      `PostgreSQL at 127.0.0.1:${port} did not accept connections within 2 s (last: ECONNREFUSED): check DATABASE_URL and that the database is up, or wait longer with --wait-for-db <seconds>`,
    ]);
    expect(result.stdout).not.toContain("migrate deploy");
  });

  it("exits with the seed's own code, which prisma db seed alone would report as 1", async () => {
    const s = await scenario(POOL, MANIFEST);
    const usage = await deploy(["--", "--no-such-flag"], s.env);
    expect(usage.code, output(usage)).toBe(2);
    expect(logLines(usage).some((line) => line.msg === "unknown flag --no-such-flag; see --help")).toBe(true);

    const strict = await deploy(["--", "--strict"], {
      ...s.env,
      AWS_COGNITO_USER_POOL_ID: s.userPoolId,
      SEED_USERS_FILE: (await scenario([], [entry("missing@example.org")])).manifestPath,
    });
    expect(strict.code, output(strict)).toBe(1);
    expect(logLines(strict).at(-1)).toMatchObject({
      level: "fatal",
      code: "SEED_FAILED",
      msg: "the seed failed (exit 1); see its lines above",
    });
  });

  it("stops when a migration fails, before the seed", async () => {
    const s = await scenario(POOL, MANIFEST);
    // A table the first migration would create is already there, with another shape.
    const databaseUrl = await freshDatabase("clash");
    await query(databaseUrl, "CREATE TABLE roles (x int)");
    const result = await deploy(["--wait-for-db", "5"], { ...s.env, DATABASE_URL: databaseUrl });
    expect(result.code).toBe(1);
    expect(
      logLines(result)
        .filter((line) => line.level === "fatal")
        .map((line) => [line.code, line.msg]),
    ).toEqual([["MIGRATION_FAILED", "prisma migrate deploy failed (exit 1); the seed was not run"]]);
  });

  it("runs from source with a plain node and a PATH without node_modules/.bin, as `node bin/deploy.js` in a shell does", async () => {
    const s = await scenario(POOL, MANIFEST);
    const env = { ...s.env, PATH: pathWithoutPackageBins() };
    // Nothing of the package's own is on that PATH: nothing the boot runs may need tsx from it.
    expect((await runCommand("sh", ["-c", "command -v tsx || echo none"], { env })).stdout.trim()).toBe("none");
    const result = await runCommand(process.execPath, ["bin/deploy.js", "--wait-for-db", "5"], { cwd: ROOT, env, timeoutMs: 120_000 });
    expect(result.code, output(result)).toBe(0);
    // The seed runs in deploy's own process: no seed command is started, from PATH or otherwise.
    expect(logLines(result).map((line) => line.msg)).toContain("running the seed");
    expect(result.stdout).not.toContain("Running seed command");
    expect((await grants(s.databaseUrl)).map((grant) => grant.role).sort()).toEqual(["Admin", "Viewer"]);
  });

  it("a usage error of its own exits 2", async () => {
    const result = await deploy(["--wait-for-db", "soon"], {});
    expect(result.code).toBe(2);
    expect(logLines(result).map((line) => line.msg)).toEqual(["--wait-for-db needs a whole number of seconds, at most 3600; see --help"]);
  });
});
