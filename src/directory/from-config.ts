/**
 * The one place the configuration becomes an identity directory: a Cognito
 * user pool, or a Keycloak realm with IDENTITY_PROVIDER=keycloak. The seed
 * command, flip-db-deploy (which runs it) and the doctor open theirs here.
 * Each provider's code is imported only when it is the one configured, so a
 * Keycloak boot never loads the AWS SDK.
 */
import type { SeedEnvironment } from "../shared/config/environment.js";
import type { IdentityDirectory } from "./identity-directory.js";

/** A directory its opener closes when it is done. */
export type ClosableDirectory = IdentityDirectory & { close(): void };

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
