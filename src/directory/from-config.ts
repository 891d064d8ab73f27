/**
 * The one place the configuration becomes an identity directory: a Cognito
 * user pool, or a Keycloak realm with IDENTITY_PROVIDER=keycloak. The seed
 * command, flip-db-deploy (which runs it) and the doctor open theirs here.
 * Each provider's code is imported only when it is the one configured, so a
 * Keycloak boot never loads the AWS SDK.
 */
import { UsageError } from "../shared/cli/usage.js";
import type { IdentitySettings, SeedEnvironment } from "../shared/config/environment.js";
import type { IdentityProvider } from "../shared/config/identity-provider.js";
import type { IdentityDirectory } from "./identity-directory.js";

/** A directory its opener closes when it is done. */
export type ClosableDirectory = IdentityDirectory & { close(): void };

/** Which provider the configuration names. */
export function identityProviderOf(config: IdentitySettings): IdentityProvider {
  return config.keycloak === undefined ? "cognito" : "keycloak";
}

/**
 * How the seed may ask the configured directory: requests a second, and
 * whether a scan of every account is ever worth it. Cognito's are the
 * operator's (SEED_COGNITO_RPS under its ListUsers quota); Keycloak's are the
 * directory's own (KEYCLOAK_PACING).
 */
export async function seedPacing(config: SeedEnvironment): Promise<{ requestsPerSecond: number; scanWorthwhile: boolean }> {
  if (config.keycloak === undefined) return { requestsPerSecond: config.cognito.requestsPerSecond, scanWorthwhile: true };
  const { KEYCLOAK_PACING } = await import("./keycloak-directory.js");
  return { requestsPerSecond: KEYCLOAK_PACING.requestsPerSecond, scanWorthwhile: KEYCLOAK_PACING.scanWorthwhile };
}

/**
 * The lookup the seed may use (`--lookup`): as asked where a scan may pay;
 * otherwise one search per email, and a scan asked for is a usage error
 * rather than quietly something else.
 */
export function permittedLookup<Request extends string>(requested: Request, scanWorthwhile: boolean): Request | "filter" {
  if (scanWorthwhile) return requested;
  if (requested === "scan") {
    throw new UsageError([
      "--lookup scan: Keycloak is looked up by email only (a listing of a realm that federates a directory can miss users); use auto or filter",
    ]);
  }
  return "filter";
}

/**
 * Opens the configured directory. A Cognito client's request pipeline is
 * built before the first lookup (warmUp); Keycloak's transport is Node's own.
 * Throws FatalDirectoryError when a setting cannot work.
 */
export async function openIdentityDirectory(config: SeedEnvironment): Promise<ClosableDirectory> {
  if (config.keycloak !== undefined) {
    const { createKeycloakDirectory } = await import("./keycloak-directory.js");
    const { baseUrl, realm, clientId, clientSecret, connectTimeoutMs, requestTimeoutMs } = config.keycloak;
    return createKeycloakDirectory({ baseUrl, realm, clientId, clientSecret, connectTimeoutMs, requestTimeoutMs });
  }
  const { createCognitoDirectory } = await import("./cognito-directory.js");
  const directory = createCognitoDirectory({ ...config.cognito, region: config.region, userPoolId: config.userPoolId });
  await directory.warmUp();
  return directory;
}
