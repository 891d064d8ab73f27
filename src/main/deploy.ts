// `flip-db-deploy` (bin/deploy.js): waits for the database, migrates if need be, seeds. See src/deploy/deploy.ts.
import { deploy, realDependencies } from "../deploy/deploy.js";
import { EXIT_FATAL, exitCodeFor } from "../shared/cli/exit-codes.js";
import { FlipDbError } from "../shared/errors.js";
import { createLogger, createScrubber, secretsFromEnvironment } from "../shared/logging.js";

const logger = createLogger({
  level: "info",
  pretty: process.stdout.isTTY === true,
  scrub: createScrubber(secretsFromEnvironment(process.env)),
  destination: process.stdout,
});
// The seed runs in this process; its modules, the boot's largest, load only once migrating is done.
const seed = async (args: readonly string[]) => (await import("./seed.js")).main(args);
try {
  process.exitCode = await deploy(process.argv.slice(2), process.env, logger, realDependencies(logger, seed));
} catch (error) {
  if (error instanceof FlipDbError) {
    for (const problem of error.problems) logger.fatal(problem);
    process.exitCode = exitCodeFor(error);
  } else {
    logger.fatal(`unexpected error: ${(error as Error)?.message ?? String(error)}: this is a bug`);
    process.exitCode = EXIT_FATAL;
  }
}
