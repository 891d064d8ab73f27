/**
 * Running the package's commands as a deployment does, for the tests and the
 * bench alike (nothing here needs vitest): the real Prisma CLI, the seed
 * through `prisma db seed` or run directly.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { listMigrationDirectories } from "../../src/migrations/shipped.js";
import { runCommand, type CommandResult } from "./run-command.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the real Prisma CLI from the package root, as a deployment does. */
export function prisma(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return runCommand("npx", ["prisma", ...args], { cwd: options.cwd ?? ROOT, env, timeoutMs: options.timeoutMs ?? 120_000 });
}

/** `npx prisma db seed -- <args>`, as a boot runs it. */
export function seedThroughPrisma(env: Record<string, string | undefined>, args: readonly string[] = []): Promise<CommandResult> {
  return prisma(["db", "seed", ...(args.length > 0 ? ["--", ...args] : [])], env);
}

/**
 * The seed entry run directly, with plain node and tsx's loader, which shows
 * its own exit code (Prisma reports every failure as 1) and costs no npx.
 */
export function seedDirectly(
  env: Record<string, string | undefined>,
  args: readonly string[] = [],
  timeoutMs = 120_000,
): Promise<CommandResult> {
  return runCommand("node", ["--import", "tsx", "prisma/seed.ts", ...args], { cwd: ROOT, env, timeoutMs });
}

/** `node bin/deploy.js` (flip-db-deploy) from the package root, as a container's entrypoint runs it. */
export function flipDbDeploy(
  env: Record<string, string | undefined>,
  args: readonly string[] = ["--wait-for-db", "10"],
  timeoutMs = 180_000,
): Promise<CommandResult> {
  return runCommand("node", ["bin/deploy.js", ...args], { cwd: ROOT, env, timeoutMs });
}

/** The seed's migrations as this package ships them: the names of prisma/migrations' directories. */
export function shippedMigrationNames(): Promise<string[]> {
  return listMigrationDirectories(path.join(ROOT, "prisma", "migrations"));
}

/**
 * One boot of the package at `root` (this checkout, a copy, a past release):
 * `node bin/deploy.js --wait-for-db 10`, as a container's entrypoint runs it,
 * with `seedArgs` after `--`.
 */
export function bootPackage(
  root: string,
  env: Record<string, string | undefined>,
  seedArgs: readonly string[] = [],
  timeoutMs = 240_000,
): Promise<CommandResult> {
  const args = ["bin/deploy.js", "--wait-for-db", "10", ...(seedArgs.length > 0 ? ["--", ...seedArgs] : [])];
  return runCommand("node", args, { cwd: root, env, timeoutMs });
}

/**
 * This process' PATH without any node_modules/.bin: what a container's
 * entrypoint or a plain `node bin/…` gets, where npm and npx would add them.
 */
export function pathWithoutPackageBins(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((directory) => !directory.split(path.sep).join("/").includes("node_modules/.bin"))
    .join(path.delimiter);
}

export function output(result: CommandResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

/** The JSON log lines a run printed (stdout is not a TTY in tests). */
export function logLines(result: CommandResult): Array<{ level: string; msg: string; [key: string]: unknown }> {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: string; msg: string });
}
