import { EXIT_FATAL, SeedError } from "./SeedError.js";

/** Environment variables are missing or malformed; `problems` names each variable. Nothing was contacted. */
export class ConfigError extends SeedError {
  override name = "ConfigError" as const;
  readonly code = "CONFIG_INVALID";
  readonly exitCode = EXIT_FATAL;
}
