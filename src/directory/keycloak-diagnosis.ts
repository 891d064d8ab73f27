/**
 * What the doctor asks a Keycloak realm, one question a check, before any
 * boot depends on the answers: does the realm exist, does its token endpoint
 * accept the client, may the client's service account view users, and does
 * one lookup work. Every failure is the directory's own
 * (TransientDirectoryError or FatalDirectoryError, in the seed's words), so
 * the doctor and the boot say the same thing about the same fault.
 */
import type { DirectoryAnswer } from "./identity-directory.js";
import { keycloakConnection, keycloakFailure, RealmDirectory, type KeycloakDirectoryOptions } from "./keycloak-directory.js";

/**
 * The claims of a JWT, unverified: the doctor reads whose token it is, and
 * trusts Keycloak's answers, not the token, for everything else.
 */
function claimsOf(token: string): Record<string, unknown> | undefined {
  const [, payload] = token.split(".");
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface IssuedTokenFacts {
  expiresInSeconds: number;
  /** The service account's user id: the token's `sub` (Keycloak 25 and later put it there through the client scope "basic"). */
  serviceAccountId: string | undefined;
}

export class KeycloakDiagnosis {
  private constructor(
    private readonly connection: ReturnType<typeof keycloakConnection>,
    private readonly directory: RealmDirectory,
  ) {}

  static open(options: KeycloakDirectoryOptions): KeycloakDiagnosis {
    const connection = keycloakConnection(options);
    return new KeycloakDiagnosis(connection, new RealmDirectory(connection.api, connection.http));
  }

  /** The realm's public description: whether KEYCLOAK_URL reaches Keycloak and the realm exists, without credentials. */
  async realm(): Promise<{ realm: string }> {
    return this.ask(async () => ({ realm: (await this.connection.api.describeRealm()).realm }));
  }

  /** An admin token by client_credentials: whether the client is accepted. */
  async token(): Promise<IssuedTokenFacts> {
    return this.ask(async () => {
      const issued = await this.connection.api.requestToken();
      const sub = claimsOf(issued.accessToken)?.sub;
      return { expiresInSeconds: issued.expiresInSeconds, serviceAccountId: typeof sub === "string" && sub !== "" ? sub : undefined };
    });
  }

  /**
   * Reads the service account's own user. Keycloak shows a user by id only to
   * a caller that may view users (realm-management view-users, or
   * manage-users): with query-users alone it answers 403 here, where its
   * searches answer an empty list that would pass for "not found".
   */
  async serviceAccount(id: string): Promise<{ username: string }> {
    return this.ask(async () => {
      const issued = await this.connection.api.requestToken();
      return this.connection.api.getUser(issued.accessToken, id);
    });
  }

  /** One lookup, exactly as the seed makes it. */
  lookup(email: string): Promise<DirectoryAnswer> {
    return this.directory.lookup(email);
  }

  close(): void {
    this.connection.http.close();
  }

  private async ask<T>(question: () => Promise<T>): Promise<T> {
    try {
      return await question();
    } catch (error) {
      throw keycloakFailure(error);
    }
  }
}
