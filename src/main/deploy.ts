// `flip-db-deploy` (bin/deploy.js): waits for the database, migrates if need be, seeds. See src/deploy/deploy.ts.
import { deploy, realDependencies } from "../deploy/deploy.js";
import { exitCodeFor } from "../shared/cli/exit-codes.js";
import { UnexpectedError } from "../shared/errors.js";
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
  // Its own FlipDbErrors (a usage error, the wait given up) in their words; anything else is a bug.
  const failure = UnexpectedError.wrap(error);
  for (const problem of failure.problems) logger.fatal({ code: failure.code }, problem);
  process.exitCode = exitCodeFor(failure);
}
