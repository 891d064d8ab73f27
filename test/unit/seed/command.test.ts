import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";

import { beforeEach, describe, expect, it } from "vitest";

import { runCommand } from "../../support/run-command.js";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import type { ClosableDirectory } from "../../../src/directory/from-config.js";
import type { CommandReport } from "../../../src/seed/cli/command-report.js";
import { runSeedCommand, type CommandDependencies } from "../../../src/seed/cli/command.js";
import { ROLES } from "../../../src/shared/roles.js";
import { fakeDirectory as fake, type ScriptedAnswer } from "../../support/fake-directory.js";
import { mockDatabase } from "../../support/mock-database.js";

const SUBS: Record<string, string> = {
  "alice@example.org": "11111111-1111-4111-8111-111111111111",
  "bob@example.org": "22222222-2222-4222-8222-222222222222",
};

const MANIFEST = {
  users: [
    { email: "alice@example.org", name: "Alice", organisation: "North Trust", role: "Admin" },
    { email: "bob@example.org", name: "Bob", organisation: "South Trust", role: "Viewer" },
  ],
};

let directory: string;
let manifestPath: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "flip-db-run-"));
  manifestPath = path.join(directory, "users.json");
  await writeFile(manifestPath, JSON.stringify(MANIFEST));
});

function harness(options: { argv?: string[]; env?: NodeJS.ProcessEnv; lookup?: (email: string) => Promise<ScriptedAnswer> } = {}) {
  let output = "";
  const lookups: string[] = [];
  const opened = { directory: 0, database: 0 };
  let closed = 0;
  const db = mockDatabase();
  const fakeDirectory: ClosableDirectory = {
    ...fake([], {
      lookup: async (email) => {
        lookups.push(email);
        return options.lookup ? options.lookup(email) : { status: "resolved", sub: SUBS[email]! };
      },
    }),
    close: () => {
      closed += 1;
    },
  };
  const deps: CommandDependencies = {
    argv: options.argv ?? [],
    env: {
      DATABASE_URL: "postgresql://flip:db-password-123@db:5432/flip",
      AWS_REGION: "eu-west-2",
      AWS_COGNITO_USER_POOL_ID: "eu-west-2_Abc123",
      SEED_USERS_FILE: manifestPath,
      ...options.env,
    },
    output: new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk);
        done();
      },
    }),
    openDirectory: async () => {
      opened.directory += 1;
      return fakeDirectory;
    },
    openDatabase: async () => {
      opened.database += 1;
      return db.db;
    },
  };
  return {
    run: () => runSeedCommand(deps),
    lines: () =>
      output
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: string; msg: string }),
    output: () => output,
    lookups,
    opened: () => opened,
    closed: () => closed,
    db,
  };
}

describe("runSeedCommand", () => {
  it("seeds, reports and exits 0", async () => {
    const h = harness({ argv: ["--report", path.join(directory, "report.json")] });
    expect(await h.run()).toBe(0);
    expect(h.lookups).toEqual(["alice@example.org", "bob@example.org"]);
    const report = JSON.parse(await readFile(path.join(directory, "report.json"), "utf8")) as CommandReport;
    expect(report).toMatchObject({ exitCode: 0, status: "ok", counts: { resolved: 2 }, written: { profilesCreated: 2, userRoles: 2 } });
    expect(report.users.map((user) => user.email)).toEqual(["a***@example.org", "b***@example.org"]);
    expect(Object.keys(report.timings)).toEqual(["startupMs", "loadingMs", "cognitoMs", "databaseMs", "workMs"]);
    expect(report.timings.workMs).toBeGreaterThanOrEqual(report.timings.cognitoMs + report.timings.databaseMs - 1);
    expect(report.peakRssMb).toBeGreaterThan(0);
    // The summary line carries the same timings (the reliability suite reads workMs from it).
    expect(h.lines().at(-1)).toMatchObject({ timings: { workMs: expect.any(Number) as number } });
    // The run's measures are read into the report and then forgotten.
    expect(performance.getEntries().filter((entry) => entry.name.startsWith("flip-db:"))).toEqual([]);
    expect(h.lines().at(-1)?.msg).toMatch(/2 of 2 users seeded, 0 skipped/);
    expect(h.closed()).toBe(1);
  });

  it("never writes a full email while redaction is on, and does when it is turned off", async () => {
    const redacted = harness();
    await redacted.run();
    expect(redacted.output()).not.toContain("alice@example.org");

    const plain = harness({ env: { SEED_REDACT_EMAILS: "false" } });
    await plain.run();
    expect(plain.output()).toContain("alice@example.org");
  });

  it("skips a transient user loudly and still exits 0", async () => {
    const h = harness({
      lookup: async (email) =>
        email === "bob@example.org" ? { status: "transient", reason: "throttled by Cognito" } : { status: "resolved", sub: SUBS[email]! },
    });
    expect(await h.run()).toBe(0);
    const warning = h.lines().find((line) => line.level === "warn");
    expect(warning?.msg).toMatch(/users\[1\] b\*\*\*@example.org \(Viewer\): skipped \(transient\): throttled by Cognito/);
    // Only alice is granted a role.
    expect(h.db.tx.userRole.createMany).toHaveBeenCalledWith({
      data: [{ userId: SUBS["alice@example.org"], roleId: ROLES[0].id }],
      skipDuplicates: true,
    });
  });

  it("with --strict, a skipped user is fatal: exit 1, the database is never connected", async () => {
    const h = harness({ argv: ["--strict"], lookup: async () => ({ status: "not_found" }) });
    expect(await h.run()).toBe(1);
    expect(h.db.db.$connect).not.toHaveBeenCalled();
    expect(h.db.db.$transaction).not.toHaveBeenCalled();
    expect(h.lines().find((line) => line.level === "fatal")?.msg).toBe(
      "--strict: 2 users skipped, nothing written: users[0] a***@example.org (not_found), users[1] b***@example.org (not_found)",
    );
  });

  it("a fatal directory error stops the run before the database is connected", async () => {
    const h = harness({ lookup: async () => Promise.reject(new FatalDirectoryError(["Cognito: the user pool does not exist"])) });
    expect(await h.run()).toBe(1);
    expect(h.db.db.$connect).not.toHaveBeenCalled();
    expect(h.db.db.$transaction).not.toHaveBeenCalled();
    expect(
      h
        .lines()
        .filter((line) => line.level === "fatal")
        .map((line) => line.msg),
    ).toEqual(["Cognito: the user pool does not exist"]);
  });

  it.each([
    ["an unknown flag", ["--bogus"], {}, 2, /unknown flag --bogus/],
    ["a missing flag value", ["--users"], {}, 2, /--users needs a value/],
    ["a missing variable", [], { AWS_REGION: "" }, 1, /AWS_REGION: is required/],
    ["a malformed manifest", ["--users", "/nonexistent/users.json"], {}, 1, /file not found/],
  ])("%s: the documented exit code, one fatal line, nothing contacted", async (_label, argv, env, code, message) => {
    const reportPath = path.join(directory, "report.json");
    const h = harness({ argv: ["--report", reportPath, ...argv], env });
    expect(await h.run()).toBe(code);
    const fatal = h.lines().filter((line) => line.level === "fatal");
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toMatch(message);
    expect(h.opened()).toEqual({ directory: 0, database: 0 });
    const report = JSON.parse(await readFile(reportPath, "utf8")) as CommandReport;
    expect(report.exitCode).toBe(code);
  });

  it("--dry-run plans and writes nothing", async () => {
    const h = harness({ argv: ["--dry-run"] });
    expect(await h.run()).toBe(0);
    for (const write of [h.db.tx.role.upsert, h.db.tx.userProfile.createMany, h.db.tx.userRole.createMany, h.db.tx.seedGrant.createMany]) {
      expect(write).not.toHaveBeenCalled();
    }
    expect(h.lines().at(-1)?.msg).toMatch(/^dry run: .* 10 rows would be written/);
  });

  it("--help prints the usage and exits 0 without reading anything", async () => {
    const h = harness({ argv: ["--help"], env: { DATABASE_URL: "" } });
    expect(await h.run()).toBe(0);
    expect(h.output()).toContain("Usage: npx prisma db seed --");
  });

  it("keeps the database password out of a database failure's message", async () => {
    const h = harness();
    h.db.db.$transaction.mockRejectedValue(new Error("connect to postgresql://flip:db-password-123@db:5432/flip failed"));
    expect(await h.run()).toBe(1);
    expect(h.output()).not.toContain("db-password-123");
    expect(h.lines().find((line) => line.level === "fatal")?.msg).toMatch(/^database: .*nothing was written$/);
  });
});

describe("the seed command's own modules", () => {
  it("load neither the AWS SDK nor Prisma's client (nor pino-pretty): a bad flag or manifest fails before either", async () => {
    // CommonJS modules imported from ES modules land in require.cache: the SDK's and Prisma's runtime are CommonJS.
    const script = `
      const { createRequire } = await import("node:module");
      const heavy = () => Object.keys(createRequire(import.meta.url).cache)
        .filter((file) => /@aws-sdk|@smithy|@prisma[\\/]client|pino-pretty/.test(file)).length;
      await import("./src/main/seed.ts");
      const before = heavy();
      await import("./src/database/client.ts");
      console.log(JSON.stringify({ before, after: heavy() }));`;
    const result = await runCommand("node", ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: path.resolve(import.meta.dirname, "../../.."),
    });
    expect(result.code, result.stderr).toBe(0);
    const { before, after } = JSON.parse(result.stdout) as { before: number; after: number };
    expect(before).toBe(0);
    // The check itself can see them: importing db.ts brings Prisma's client in.
    expect(after).toBeGreaterThan(0);
  });
});
