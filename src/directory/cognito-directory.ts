import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";

import { FatalDirectoryError } from "./FatalDirectoryError.js";
import { TransientDirectoryError } from "./TransientDirectoryError.js";
import { lookupFromAccounts } from "./eligibility.js";
import { classifyDirectoryError } from "./error-classification.js";
import {
  type AccountPage,
  type DirectoryAccount,
  type DirectoryAnswer,
  type DirectoryFacts,
  type DirectoryProfile,
  type IdentityDirectory,
} from "./identity-directory.js";

/** Only what eligibility needs: the seed asks for no other personal data. */
const ATTRIBUTES = ["sub", "email", "email_verified"];

export interface CognitoDirectoryOptions {
  region: string;
  userPoolId: string;
  /** Connection timeout of each request (default 3 s). */
  connectTimeoutMs?: number;
  /** Time limit of each request (default 5 s; the SDK has none of its own). */
  requestTimeoutMs?: number;
}

const COGNITO_DEFAULTS = { connectTimeoutMs: 3_000, requestTimeoutMs: 5_000 } as const;

export const COGNITO_PROFILE: DirectoryProfile = {
  name: "Cognito",
  /** ListUsers' limit. */
  pageSize: 60,
  /** A third of Cognito's ListUsers quota (30 a second per account and region), which the platform shares. */
  requestsPerSecond: 10,
  /** Listing 60 accounts a call beats a call per email once the manifest holds over a 60th of the pool. */
  scanWorthwhile: true,
};

/**
 * A Cognito client for the seed. Endpoint, credentials, retry count and mode
 * come from the SDK's own configuration (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * the default credential chain, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE). The SDK sets
 * no request timeout of its own, so a hung endpoint would block the boot
 * forever: both timeouts are set here, and a breach throws.
 */
export function createCognitoClient(options: CognitoDirectoryOptions): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: options.region,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? COGNITO_DEFAULTS.connectTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? COGNITO_DEFAULTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

function toAccount(user: UserType): DirectoryAccount {
  const attribute = (name: string) => user.Attributes?.find((candidate) => candidate.Name === name)?.Value;
  return {
    sub: attribute("sub"),
    email: attribute("email"),
    emailVerified: attribute("email_verified") === "true",
    enabled: user.Enabled === true,
  };
}

/**
 * What a failed call means: transient (skip for now) or fatal (stop), as the
 * taxonomy classifies it, in the one wording the seed and the doctor share.
 */
function failure(error: unknown, action?: string): TransientDirectoryError | FatalDirectoryError {
  const { category, reason, throttled } = classifyDirectoryError(error);
  if (category === "transient") return new TransientDirectoryError(reason, throttled === true);
  const line = action === undefined ? reason : `${action}: ${reason}`;
  return new FatalDirectoryError([`${COGNITO_PROFILE.name}: ${line}`], { cause: error, reason });
}

/**
 * Resolves emails with ListUsers on one user pool; the stored id is the `sub`
 * attribute, never the Username. Each method sends one request a page (plus the SDK's
 * own retries), so the resolver can pace them under Cognito's quotas.
 */
export class CognitoDirectory implements IdentityDirectory {
  readonly profile = COGNITO_PROFILE;

  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  /** Lists one page; a filtered lookup follows `PaginationToken` itself, and rarely needs to. */
  private async page(filter: string | undefined, token: string | undefined, signal?: AbortSignal): Promise<AccountPage> {
    const page = await this.client.send(
      new ListUsersCommand({
        UserPoolId: this.userPoolId,
        Filter: filter,
        AttributesToGet: ATTRIBUTES,
        Limit: COGNITO_PROFILE.pageSize,
        PaginationToken: token,
      }),
      { abortSignal: signal },
    );
    return { accounts: (page.Users ?? []).map(toAccount), next: page.PaginationToken || undefined };
  }

  async lookup(email: string, signal?: AbortSignal): Promise<DirectoryAnswer> {
    const accounts: DirectoryAccount[] = [];
    try {
      // The manifest rejects quotes, backslashes and whitespace in emails, so
      // the value cannot change the meaning of the filter.
      const filter = `email = "${email}"`;
      let token: string | undefined;
      do {
        const page = await this.page(filter, token, signal);
        accounts.push(...page.accounts);
        // A token that comes back unchanged would loop forever.
        token = page.next === token ? undefined : page.next;
      } while (token);
    } catch (error) {
      throw failure(error);
    }
    // Cognito has compared the emails by the pool's own rule.
    return lookupFromAccounts(email, accounts, false, this.profile.name);
  }

  async listPage(token: string | undefined, signal?: AbortSignal): Promise<AccountPage> {
    try {
      return await this.page(undefined, token, signal);
    } catch (error) {
      throw failure(error);
    }
  }

  async describe(signal?: AbortSignal): Promise<DirectoryFacts> {
    try {
      const { UserPool } = await this.client.send(new DescribeUserPoolCommand({ UserPoolId: this.userPoolId }), { abortSignal: signal });
      return {
        name: UserPool?.Name,
        estimatedSize: UserPool?.EstimatedNumberOfUsers,
        // A pool created without the setting is case-sensitive.
        emailsCaseSensitive: UserPool?.UsernameConfiguration?.CaseSensitive !== false,
      };
    } catch (error) {
      throw failure(error, "DescribeUserPool");
    }
  }

  /**
   * Builds the SDK's request pipeline (it loads much of it on the first call)
   * by sending a request that is aborted before it leaves: no call reaches
   * Cognito, and the first real one is not slowed by code loading.
   */
  async warmUp(): Promise<void> {
    await this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId }), { abortSignal: AbortSignal.abort() }).catch(() => {});
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * The Cognito user pool as the seed's identity directory, on a client of its
 * own; `close()` releases the client's sockets.
 */
export function createCognitoDirectory(options: CognitoDirectoryOptions): CognitoDirectory {
  return new CognitoDirectory(createCognitoClient(options), options.userPoolId);
}
