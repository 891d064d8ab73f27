/**
 * The real dependencies of a seed run. Heavy modules (the AWS SDK, Prisma's
 * client) are imported only once validation has passed, so a bad manifest or
 * flag fails fast and loads neither.
 */
import type { SeedEnvironment } from "../config.js";
import { runSeed, type LoadingTimes, type SeedDependencies } from "./run.js";

/** Process start to here: Node, TypeScript and the modules imported at once. */
const loading: LoadingTimes = { startupMs: performance.now(), lazyImportsMs: 0 };

async function timedImport<T>(load: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await load();
  } finally {
    loading.lazyImportsMs += performance.now() - started;
  }
}

async function openDirectory(config: SeedEnvironment) {
  const { CognitoDirectory, createCognitoClient } = await timedImport(() => import("../directory/cognito-directory.js"));
  return new CognitoDirectory(createCognitoClient({ ...config.cognito, region: config.region, userPoolId: config.userPoolId }), config.userPoolId);
}

async function openDatabase(config: SeedEnvironment) {
  const { connectDatabase } = await timedImport(() => import("../db.js"));
  return connectDatabase(config.databaseUrl, { connectTimeoutMs: config.database.connectTimeoutMs });
}

/** Runs the seed with this process' arguments and environment; resolves to the exit code. */
export function main(argv: readonly string[], overrides: Partial<SeedDependencies> = {}): Promise<number> {
  return runSeed({ argv, env: process.env, output: process.stdout, openDirectory, openDatabase, loading, ...overrides });
}
