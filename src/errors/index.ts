export { ConfigError } from "./ConfigError.js";
export { DatabaseError } from "./DatabaseError.js";
export { FatalDirectoryError } from "./FatalDirectoryError.js";
export { ManifestError } from "./ManifestError.js";
export { EXIT_FATAL, EXIT_OK, EXIT_USAGE, SeedError } from "./SeedError.js";
export { StrictModeError } from "./StrictModeError.js";
export { UnexpectedError } from "./UnexpectedError.js";
export { UsageError } from "./UsageError.js";
