import {
  CognitoIdentityProviderClient,
  paginateListUsers,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";

import { FatalDirectoryError } from "../errors/index.js";
import { classifyDirectoryError } from "./error-classification.js";
import type { IdentityDirectory, Lookup } from "./identity-directory.js";
import { lookupFromAccounts, type DirectoryAccount } from "./matches.js";

/** ListUsers returns at most 60 users a page. */
const MAX_PAGE_SIZE = 60;

/** Only what eligibility needs: the seed asks for no other personal data. */
const ATTRIBUTES = ["sub", "email", "email_verified"];

export interface CognitoDirectoryOptions {
  region: string;
  userPoolId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

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
      connectionTimeout: options.connectTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
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

/** Resolves emails with ListUsers on one user pool; the stored id is the `sub` attribute, never the Username. */
export class CognitoDirectory implements IdentityDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async lookup(email: string, signal?: AbortSignal): Promise<Lookup> {
    const accounts: DirectoryAccount[] = [];
    try {
      const pages = paginateListUsers(
        { client: this.client, pageSize: MAX_PAGE_SIZE, stopOnSameToken: true },
        // The manifest rejects quotes, backslashes and whitespace in emails, so
        // the value cannot change the meaning of the filter.
        { UserPoolId: this.userPoolId, Filter: `email = "${email}"`, AttributesToGet: ATTRIBUTES },
        { abortSignal: signal },
      );
      for await (const page of pages) accounts.push(...(page.Users ?? []).map(toAccount));
    } catch (error) {
      const classification = classifyDirectoryError(error);
      if (classification.category === "transient") return { status: "transient", reason: classification.reason };
      throw new FatalDirectoryError([`Cognito: ${classification.reason}`], { cause: error });
    }
    try {
      return lookupFromAccounts(email, accounts);
    } catch (error) {
      throw new FatalDirectoryError([`Cognito: ${(error as Error).message}`], { cause: error });
    }
  }

  close(): void {
    this.client.destroy();
  }
}
