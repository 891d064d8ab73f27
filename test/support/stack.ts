import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";
import { inject } from "vitest";

import { createUserPool, type FixtureUser, type PoolSettings } from "../../src/dev/cognito.js";
import { createDatabase, stackEnvironment } from "../../src/dev/local-stack.js";
import { runCommand, type CommandResult } from "./run-command.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export function stack() {
  return inject("stack");
}

/** A new, empty database on the shared server. */
export function freshDatabase(prefix = "t"): Promise<string> {
  return createDatabase(stack().postgresAdminUrl, `${prefix}_${randomBytes(6).toString("hex")}`);
}

/** A new user pool in the shared emulator, holding `users`. */
export function freshPool(users: readonly FixtureUser[], settings: PoolSettings = {}) {
  return createUserPool(stack().cognitoEndpoint, `pool-${randomBytes(4).toString("hex")}`, users, settings);
}

export function environmentFor(databaseUrl: string, userPoolId = "eu-west-2_unused"): Record<string, string> {
  return {
    ...stackEnvironment({ databaseUrl, userPoolId, cognitoEndpoint: stack().cognitoEndpoint }),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** Runs the real Prisma CLI from the package root, as a deployment does. */
export function prisma(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return runCommand("npx", ["prisma", ...args], { cwd: options.cwd ?? ROOT, env, timeoutMs: options.timeoutMs ?? 120_000 });
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

export async function query<Row extends Record<string, unknown>>(url: string, sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
