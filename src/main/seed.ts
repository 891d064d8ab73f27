/**
 * The real dependencies of the seed command. Heavy modules (the AWS SDK,
 * Prisma's client) are imported only once the input is valid, so a bad
 * manifest or flag fails fast and loads neither.
 */
import { runSeedCommand, type CommandDependencies } from "../seed/cli/command.js";
import { endMeasure, MEASURES, startMeasure, STARTUP_MARK } from "../seed/instrumentation.js";
import type { SeedEnvironment } from "../shared/config/environment.js";

// Process start to here: Node, TypeScript and the modules imported at once.
performance.mark(STARTUP_MARK);

/** Loads under way, and since when: loads that overlap are measured once. */
let inFlight = 0;
let loadStart = 0;

async function timedLoad<T>(load: () => Promise<T>): Promise<T> {
  if (inFlight++ === 0) loadStart = startMeasure(MEASURES.load);
  try {
    return await load();
  } finally {
    if (--inFlight === 0) endMeasure(MEASURES.load, loadStart);
  }
}

async function openDirectory(config: SeedEnvironment) {
  return timedLoad(async () => {
    const { openIdentityDirectory } = await import("../directory/from-config.js");
    return openIdentityDirectory(config);
  });
}

async function openDatabase(config: SeedEnvironment) {
  return timedLoad(async () => {
    const { connectDatabase } = await import("../database/client.js");
    return connectDatabase(config.databaseUrl, { connectTimeoutMs: config.database.connectTimeoutMs });
  });
}

/** Runs the seed with this process' arguments and environment; resolves to the exit code. */
export function main(argv: readonly string[], overrides: Partial<CommandDependencies> = {}): Promise<number> {
  return runSeedCommand({
    argv,
    env: process.env,
    output: process.stdout,
    progress: process.stderr,
    openDirectory,
    openDatabase,
    ...overrides,
  });
}
