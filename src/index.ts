/**
 * flip-db as a library: what the platform's own code may import. The seed's
 * functions mirror FLIP's Python seed module (`seed_main_users`,
 * `ensure_user_and_role`); everything else here serves them.
 */
export { connectDatabase, type DatabaseOptions, type FlipDatabase } from "./db.js";
export { classifyDirectoryError, type Classification, type ErrorCategory } from "./directory/error-classification.js";
export { createCognitoDirectory, type CognitoDirectoryOptions } from "./directory/cognito-directory.js";
export type {
  AccountPage,
  DirectoryAccount,
  DirectoryFacts,
  IdentityDirectory,
  IneligibleReason,
  Lookup,
  LookupStatus,
} from "./directory/identity-directory.js";
export { TransientDirectoryError } from "./directory/identity-directory.js";
export {
  ConfigError,
  DatabaseError,
  EXIT_FATAL,
  EXIT_OK,
  EXIT_USAGE,
  FatalDirectoryError,
  ManifestError,
  SeedError,
  StrictModeError,
  UnexpectedError,
  UsageError,
} from "./errors/index.js";
export type { SeedLogger } from "./log.js";
export { loadManifest, parseManifest, type ManifestEntry, type ManifestFormat } from "./manifest.js";
export type { SeedReport, Timings, UserReport } from "./report.js";
export { ROLES, type RoleName } from "./roles.js";
export { ensureUserAndRole, type EnsureOptions, type UserResult } from "./seed/ensure-user-and-role.js";
export { SEED_DEFAULTS, seedMainUsers, type SeedOptions } from "./seed/seed-main-users.js";
export type { GrantDecision, ProfileChange, WriteCounts } from "./seed/plan.js";
export type { StrategyRequest as LookupRequest } from "./seed/strategy.js";
