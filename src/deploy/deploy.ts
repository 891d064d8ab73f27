/**
 * The boot sequence (`npm run db:deploy`, or `flip-db-deploy` in a container
 * entrypoint; the entry is main.ts): waits
 * for PostgreSQL (bounded), runs `prisma migrate deploy`, then `prisma db
 * seed`, and exits with the seed's own exit code (0, 1 or 2), which Prisma's
 * CLI would flatten to 1; it is read back from the seed's JSON report.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import pg from "pg";

import { EXIT_FATAL, EXIT_OK } from "../errors/index.js";
import type { Logger } from "../log.js";
import { waitForDatabase } from "./wait-for-database.js";

const DEFAULT_WAIT_SECONDS = 30;
const CHECK_TIMEOUT_MS = 3_000;

export const DEPLOY_USAGE = `Usage: flip-db-deploy [--wait-for-db <seconds>] [-- <seed flags>]
  --wait-for-db <seconds>  wait this long for PostgreSQL to accept connections (default ${DEFAULT_WAIT_SECONDS}; 0: do not wait)
  -- <seed flags>          passed to the seed, e.g. -- --strict
Runs: prisma migrate deploy, then prisma db seed. Exit code: the seed's (0 success, 1 fatal, 2 usage);
1 when waiting or migrating fails.`;

/** The deploy command's own flags are wrong: exit code 2. */
export class UsageProblem extends Error {}

function parse(argv: readonly string[]): { waitSeconds: number; seedArgs: string[]; help: boolean } {
  const split = argv.indexOf("--");
  const own = split < 0 ? argv : argv.slice(0, split);
  const seedArgs = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: [...own],
      options: { "wait-for-db": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageProblem(`${(error as Error).message.split("\n")[0]}; see --help`);
  }
  const wait = values["wait-for-db"] ?? String(DEFAULT_WAIT_SECONDS);
  if (!/^\d+$/.test(wait) || Number(wait) > 3_600) throw new UsageProblem("--wait-for-db needs a whole number of seconds, at most 3600; see --help");
  return { waitSeconds: Number(wait), seedArgs, help: values.help ?? false };
}

/** Runs Prisma's CLI with this terminal as its own, as an entrypoint would. */
async function prisma(args: string[]): Promise<number> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const child = spawn(process.execPath, [cli, ...args], { stdio: "inherit" });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  return code ?? (signal ? 128 + 1 : EXIT_FATAL);
}

function location(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || "5432"}`;
}

async function checkConnection(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** The seed's exit code from its report; Prisma's when the seed wrote none (it never started, or crashed). */
async function seedExitCode(reportPath: string, prismaCode: number): Promise<number> {
  try {
    const report = JSON.parse(await readFile(reportPath, "utf8")) as { exitCode?: unknown };
    return typeof report.exitCode === "number" ? report.exitCode : prismaCode;
  } catch {
    return prismaCode;
  }
}

export async function deploy(argv: readonly string[], env: NodeJS.ProcessEnv, logger: Logger): Promise<number> {
  const { waitSeconds, seedArgs, help } = parse(argv);
  if (help) {
    process.stdout.write(`${DEPLOY_USAGE}\n`);
    return EXIT_OK;
  }
  const databaseUrl = env.DATABASE_URL;
  let where: string;
  try {
    where = location(databaseUrl ?? "");
  } catch {
    logger.fatal("DATABASE_URL: is required (the PostgreSQL URL, e.g. postgresql://flip@db.internal:5432/flip)");
    return EXIT_FATAL;
  }

  if (waitSeconds > 0) {
    await waitForDatabase(where, waitSeconds, {
      checkConnection: () => checkConnection(databaseUrl!),
      log: (line) => logger.info(line),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  }

  logger.info("running prisma migrate deploy");
  const migrated = await prisma(["migrate", "deploy"]);
  if (migrated !== 0) {
    logger.fatal(`prisma migrate deploy failed (exit ${migrated}); the seed was not run`);
    return EXIT_FATAL;
  }

  // The seed's own exit code travels in its report; one the operator asked for is used as it is.
  const asked = seedArgs.findIndex((arg) => arg === "--report" || arg.startsWith("--report="));
  const scratch = asked < 0 ? await mkdtemp(path.join(tmpdir(), "flip-db-deploy-")) : undefined;
  const reportPath =
    asked < 0 ? path.join(scratch!, "report.json") : seedArgs[asked]!.includes("=") ? seedArgs[asked]!.split("=")[1]! : seedArgs[asked + 1]!;
  const args = asked < 0 ? [...seedArgs, "--report", reportPath] : seedArgs;
  try {
    logger.info("running prisma db seed");
    const prismaCode = await prisma(["db", "seed", "--", ...args]);
    const code = await seedExitCode(reportPath, prismaCode);
    if (code !== 0) logger.fatal(`prisma db seed failed (the seed exited ${code}); see its lines above`);
    return code;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

