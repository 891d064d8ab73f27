/**
 * The real dependencies of a seed run. Heavy modules (the AWS SDK, Prisma's
 * client) are imported only once validation has passed, so a bad manifest or
 * flag fails fast and loads neither.
 */
import type { SeedEnvironment } from "../config.js";
import { runSeed, type SeedDependencies } from "./run.js";

async function openDirectory(config: SeedEnvironment) {
  const { CognitoDirectory, createCognitoClient } = await import("../directory/cognito-directory.js");
  return new CognitoDirectory(createCognitoClient({ ...config.cognito, region: config.region, userPoolId: config.userPoolId }), config.userPoolId);
}

async function openDatabase(config: SeedEnvironment) {
  const { connectDatabase } = await import("../db.js");
  return connectDatabase(config.databaseUrl, { connectTimeoutMs: config.database.connectTimeoutMs });
}

/** Runs the seed with this process' arguments and environment; resolves to the exit code. */
export function main(argv: readonly string[], overrides: Partial<SeedDependencies> = {}): Promise<number> {
  return runSeed({ argv, env: process.env, output: process.stdout, openDirectory, openDatabase, ...overrides });
}
