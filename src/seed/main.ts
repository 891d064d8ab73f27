/**
 * The real dependencies of a seed run. Heavy modules (the AWS SDK, Prisma's
 * client) are imported only once validation has passed, so a bad manifest or
 * flag fails fast and loads neither.
 */
import type { SeedEnvironment } from "../config.js";
import { runSeed, type LoadingTimes, type SeedDependencies } from "./run.js";

/** Process start to here: Node, TypeScript and the modules imported at once. */
const loading: LoadingTimes = { startupMs: performance.now(), loadingMs: 0 };

async function timedLoad<T>(load: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await load();
  } finally {
    loading.loadingMs += performance.now() - started;
  }
}

async function openDirectory(config: SeedEnvironment) {
  return timedLoad(async () => {
    const { CognitoDirectory, createCognitoClient } = await import("../directory/cognito-directory.js");
    const client = createCognitoClient({ ...config.cognito, region: config.region, userPoolId: config.userPoolId });
    const directory = new CognitoDirectory(client, config.userPoolId);
    await directory.warmUp();
    return directory;
  });
}

async function openDatabase(config: SeedEnvironment) {
  return timedLoad(async () => {
    const { connectDatabase } = await import("../db.js");
    const database = connectDatabase(config.databaseUrl, { connectTimeoutMs: config.database.connectTimeoutMs });
    // Prisma compiles its WebAssembly query compiler on connect, some 90 ms: code loading, timed as such.
    try {
      await database.$connect();
    } catch (error) {
      await database.$disconnect().catch(() => {});
      throw error;
    }
    return database;
  });
}

/** Runs the seed with this process' arguments and environment; resolves to the exit code. */
export function main(argv: readonly string[], overrides: Partial<SeedDependencies> = {}): Promise<number> {
  return runSeed({
    argv,
    env: process.env,
    output: process.stdout,
    progress: process.stderr,
    openDirectory,
    openDatabase,
    loading,
    ...overrides,
  });
}
