/**
 * flip-db as a library: what the platform's own code may import. The seed's
 * functions mirror FLIP's Python seed module (`seed_main_users`,
 * `ensure_user_and_role`); everything else here serves them.
 */
export { connectDatabase, type DatabaseConnection, type DatabaseOptions, type FlipDatabase } from "./database/client.js";
export { DatabaseError } from "./database/DatabaseError.js";
export { createCognitoDirectory, type CognitoDirectory, type CognitoDirectoryOptions } from "./directory/cognito-directory.js";
export { classifyDirectoryError, type Classification, type ErrorCategory } from "./directory/error-classification.js";
export { FatalDirectoryError } from "./directory/FatalDirectoryError.js";
export type {
  AccountPage,
  DirectoryAccount,
  DirectoryAnswer,
  DirectoryFacts,
  DirectoryProfile,
  IdentityDirectory,
  IneligibleReason,
  Lookup,
  LookupStatus,
} from "./directory/identity-directory.js";
export { createKeycloakDirectory, type KeycloakDirectory, type KeycloakDirectoryOptions } from "./directory/keycloak-directory.js";
export { TransientDirectoryError } from "./directory/TransientDirectoryError.js";
export { loadManifest, parseManifest, type ManifestEntry, type ManifestFormat } from "./manifest/index.js";
export { ManifestError } from "./manifest/ManifestError.js";
export {
  ensureUserAndRole,
  type EnsureOptions,
  type ResolvedUser,
  type SkippedUser,
  type UserResult,
} from "./seed/ensure-user-and-role.js";
export type { GrantDecision, GrantWarning, ProfileChange, WriteCounts } from "./seed/plan.js";
export type { SeedReport, SeedSummary, UserReport } from "./seed/report.js";
export { SEED_DEFAULTS, seedMainUsers, type SeedOptions } from "./seed/seed-main-users.js";
export { STRATEGY_REQUESTS, type StrategyRequest as LookupRequest, type LookupStrategy } from "./seed/strategy.js";
export { StrictModeError } from "./seed/StrictModeError.js";
export { EXIT_FATAL, EXIT_OK, EXIT_USAGE, exitCodeFor, type ExitCode } from "./shared/cli/exit-codes.js";
export { UsageError } from "./shared/cli/usage.js";
export { ConfigError } from "./shared/config/ConfigError.js";
export { FlipDbError, UnexpectedError, type ErrorCode } from "./shared/errors.js";
export type { SeedLogger } from "./shared/logging.js";
export { ROLES, type FixedRole, type GlobalRole, type RoleName, type TrustRoleName } from "./shared/roles.js";
