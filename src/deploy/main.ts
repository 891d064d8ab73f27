// `flip-db-deploy` / `npm run db:deploy`: see deploy.ts.
import { EXIT_FATAL, EXIT_USAGE } from "../errors/index.js";
import { createLogger, createScrubber, secretsFromEnvironment } from "../log.js";
import { deploy, realDependencies, UsageProblem } from "./deploy.js";
import { DatabaseWaitError } from "./wait-for-database.js";

const logger = createLogger({
  level: "info",
  pretty: process.stdout.isTTY === true,
  scrub: createScrubber(secretsFromEnvironment(process.env)),
  destination: process.stdout,
});
deploy(process.argv.slice(2), process.env, logger, realDependencies(logger)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageProblem) {
      logger.fatal(error.message);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof DatabaseWaitError) {
      logger.fatal(error.message);
      process.exitCode = EXIT_FATAL;
    } else {
      logger.fatal(`unexpected error: ${(error as Error)?.message ?? String(error)}: this is a bug`);
      process.exitCode = EXIT_FATAL;
    }
  },
);
