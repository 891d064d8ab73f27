// `npm run doctor` (bin/doctor.js): checks what a boot needs and prints a checklist. See run.ts and --help.
// Exit codes: 0 every check passed, 1 a check failed, 2 usage error.
import { runDoctor } from "../doctor/run.js";
import { EXIT_FATAL } from "../shared/cli/exit-codes.js";
import { createScrubber, secretsFromEnvironment } from "../shared/logging.js";

try {
  process.exitCode = await runDoctor({ argv: process.argv.slice(2), env: process.env });
} catch (error) {
  // Checks report their own failures; this is a bug, told in one line without a stack.
  const scrub = createScrubber(secretsFromEnvironment(process.env));
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
  process.stderr.write(`doctor: unexpected error (${scrub(message)}): this is a bug\n`);
  process.exitCode = EXIT_FATAL;
}
