import { FlipDbError } from "../errors.js";

/** Environment variables are missing or malformed; `problems` names each variable. Nothing was contacted. */
export class ConfigError extends FlipDbError {
  override name = "ConfigError" as const;
  readonly code = "CONFIG_INVALID";
}
