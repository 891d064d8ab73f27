/**
 * A seed run against the fake Keycloak (fake-keycloak.ts): a migrated
 * database, a manifest, and the environment a platform on Keycloak sets
 * (IDENTITY_PROVIDER=keycloak and the four variables, a sentinel secret).
 */
import type { ManifestEntry } from "../../src/manifest/index.js";
import type { FakeClient } from "./fake-keycloak.js";
import { migratedDatabase, writeManifest } from "./seed-fixture.js";

/** The client every Keycloak scenario uses; its secret is a sentinel no output may show. */
export const KEYCLOAK_CLIENT: FakeClient = { clientId: "flip-db", secret: "SENTINEL-keycloak-client-secret-41c7e9" };

export interface KeycloakScenario {
  databaseUrl: string;
  manifestPath: string;
  env: Record<string, string>;
}

/** The environment of a boot on Keycloak at `baseUrl`; Cognito's variables are emptied, so none can be read by mistake. */
export function keycloakEnvironment(baseUrl: string, realm: string, databaseUrl: string, manifestPath: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SEED_USERS_FILE: manifestPath,
    IDENTITY_PROVIDER: "keycloak",
    KEYCLOAK_URL: baseUrl,
    KEYCLOAK_REALM: realm,
    KEYCLOAK_CLIENT_ID: KEYCLOAK_CLIENT.clientId,
    KEYCLOAK_CLIENT_SECRET: KEYCLOAK_CLIENT.secret,
    AWS_REGION: "",
    AWS_COGNITO_USER_POOL_ID: "",
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: "",
  };
}

export async function keycloakScenario(
  keycloak: { baseUrl: string; realm: string },
  entries: readonly ManifestEntry[],
): Promise<KeycloakScenario> {
  const [databaseUrl, manifestPath] = await Promise.all([migratedDatabase(), writeManifest(entries)]);
  return { databaseUrl, manifestPath, env: keycloakEnvironment(keycloak.baseUrl, keycloak.realm, databaseUrl, manifestPath) };
}
