import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  InternalErrorException,
  ListUsersCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  type ListUsersCommandOutput,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { exitCodeFor } from "../../../src/shared/cli/exit-codes.js";

import { CognitoDirectory, createCognitoClient, createCognitoDirectory } from "../../../src/directory/cognito-directory.js";
import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import type { Lookup } from "../../../src/directory/identity-directory.js";
import { TransientDirectoryError } from "../../../src/directory/TransientDirectoryError.js";

const POOL_ID = "eu-west-2_AbCdEf123";
const EMAIL = "alice@example.com";
const SUB = "0b6c1f0e-6a0e-4d56-9d0a-2f4b8a9f3c11";
const OTHER_SUB = "7d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";

interface AccountOptions {
  sub?: string;
  email?: string;
  verified?: string;
  enabled?: boolean;
  username?: string;
}

/** A ListUsers user as Cognito returns it: by default enabled, verified, and for EMAIL. */
function account({ sub = SUB, email = EMAIL, verified = "true", enabled = true, username = "alice" }: AccountOptions = {}): UserType {
  return {
    Username: username,
    Enabled: enabled,
    UserStatus: "CONFIRMED",
    Attributes: [
      { Name: "sub", Value: sub },
      { Name: "email", Value: email },
      { Name: "email_verified", Value: verified },
    ],
  };
}

function page(users: UserType[], PaginationToken?: string): ListUsersCommandOutput {
  return { $metadata: { httpStatusCode: 200 }, Users: users, PaginationToken };
}

describe("CognitoDirectory", () => {
  const client = new CognitoIdentityProviderClient({ region: "eu-west-2" });
  const cognito = mockClient(client);
  const directory = new CognitoDirectory(client, POOL_ID);

  beforeEach(() => {
    cognito.reset();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Looks EMAIL up with ListUsers answering one page of `users`. */
  function lookupWith(users: UserType[]): Promise<Lookup> {
    cognito.on(ListUsersCommand).resolves(page(users));
    return directory.lookup(EMAIL);
  }

  /** The FatalDirectoryError a lookup throws when ListUsers rejects with `error`. */
  async function fatalFrom(error: Error): Promise<FatalDirectoryError> {
    cognito.on(ListUsersCommand).rejects(error);
    const thrown = await directory.lookup(EMAIL).catch((caught: unknown) => caught);
    expect(thrown).toBeInstanceOf(FatalDirectoryError);
    return thrown as FatalDirectoryError;
  }

  describe("the ListUsers request", () => {
    it("filters on exactly the email, asks only for sub, email and email_verified, 60 a page", async () => {
      await lookupWith([]);
      const calls = cognito.commandCalls(ListUsersCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.args[0].input).toEqual({
        UserPoolId: POOL_ID,
        Filter: 'email = "alice@example.com"',
        AttributesToGet: ["sub", "email", "email_verified"],
        Limit: 60,
      });
    });

    it("passes the caller's abort signal to the SDK", async () => {
      const controller = new AbortController();
      cognito.on(ListUsersCommand).resolves(page([]));
      await directory.lookup(EMAIL, controller.signal);
      // The mock's types know only the command; the SDK's send takes its options second.
      const [, options] = cognito.call(0).args as unknown[];
      expect(options).toMatchObject({ abortSignal: controller.signal });
    });
  });

  describe("pagination", () => {
    /**
     * Answers ListUsers from `pages` by PaginationToken (no token: the first page), and records the token each
     * request carried when it was sent (the SDK's paginator reuses one input object, so recorded inputs show only
     * the last token).
     */
    function servePages(pages: Record<string, ListUsersCommandOutput>): Array<string | undefined> {
      const tokensSent: Array<string | undefined> = [];
      cognito.on(ListUsersCommand).callsFake((input: { PaginationToken?: string }) => {
        tokensSent.push(input.PaginationToken);
        const answer = pages[input.PaginationToken ?? "first"];
        if (answer === undefined) throw new Error(`unexpected PaginationToken ${input.PaginationToken}`);
        return answer;
      });
      return tokensSent;
    }

    it("follows PaginationToken across three pages and collects matches from all of them", async () => {
      const tokensSent = servePages({
        first: page([account({ sub: SUB })], "token-1"),
        "token-1": page([account({ email: "someone.else@example.com", sub: OTHER_SUB })], "token-2"),
        "token-2": page([account({ sub: OTHER_SUB, username: "alice-2" })]),
      });

      // One eligible match on the first page and one on the last: only reading all three pages sees both.
      await expect(directory.lookup(EMAIL)).resolves.toEqual({ status: "ambiguous", matches: 2 });

      expect(tokensSent).toEqual([undefined, "token-1", "token-2"]);
      for (const call of cognito.commandCalls(ListUsersCommand)) {
        expect(call.args[0].input).toMatchObject({ UserPoolId: POOL_ID, Filter: 'email = "alice@example.com"', Limit: 60 });
      }
    });

    it("finds the only eligible match on the last page", async () => {
      const tokensSent = servePages({
        first: page([account({ verified: "false", sub: OTHER_SUB })], "token-1"),
        "token-1": page([], "token-2"),
        "token-2": page([account({ sub: SUB })]),
      });

      await expect(directory.lookup(EMAIL)).resolves.toEqual({ status: "resolved", sub: SUB });
      expect(tokensSent).toEqual([undefined, "token-1", "token-2"]);
    });
  });

  describe("what the listed accounts mean", () => {
    it.each<[string, UserType[], Lookup]>([
      ["one enabled, verified match resolves to its sub", [account()], { status: "resolved", sub: SUB }],
      ["no account is not found", [], { status: "not_found" }],
      ["an unverified match is ineligible", [account({ verified: "false" })], { status: "ineligible", reason: "email not verified" }],
      [
        "a match without email_verified is ineligible",
        [{ ...account(), Attributes: account().Attributes!.filter((a) => a.Name !== "email_verified") }],
        { status: "ineligible", reason: "email not verified" },
      ],
      ["a disabled match is ineligible", [account({ enabled: false })], { status: "ineligible", reason: "account disabled" }],
      [
        "a disabled, unverified match is ineligible for both reasons",
        [account({ enabled: false, verified: "false" })],
        { status: "ineligible", reason: "account disabled and email not verified" },
      ],
      [
        "one disabled and one unverified match are ineligible for both reasons",
        [account({ enabled: false }), account({ verified: "false", sub: OTHER_SUB })],
        { status: "ineligible", reason: "account disabled and email not verified" },
      ],
      [
        "two eligible matches are ambiguous",
        [account(), account({ sub: OTHER_SUB, username: "alice-2" })],
        { status: "ambiguous", matches: 2 },
      ],
      [
        "one eligible match beside an ineligible one resolves to the eligible one",
        [account({ sub: OTHER_SUB, enabled: false }), account()],
        { status: "resolved", sub: SUB },
      ],
      [
        "a match whose email differs only in case still counts",
        [account({ email: "Alice@Example.COM" })],
        { status: "resolved", sub: SUB },
      ],
      ["an account with a different email is ignored", [account({ email: "alice@example.org" })], { status: "not_found" }],
      [
        "an account with a different email does not make an ineligible match eligible",
        [account({ verified: "false" }), account({ email: "mallory@example.com", sub: OTHER_SUB })],
        { status: "ineligible", reason: "email not verified" },
      ],
    ])("%s", async (_, users, expected) => {
      await expect(lookupWith(users)).resolves.toEqual(expected);
    });

    it("returns the sub attribute, never the Username", async () => {
      await expect(lookupWith([account({ username: OTHER_SUB })])).resolves.toEqual({ status: "resolved", sub: SUB });
    });

    it.each([
      ["not a UUID", account({ sub: "alice" })],
      ["missing", { ...account(), Attributes: account().Attributes!.filter((a) => a.Name !== "sub") }],
    ])("throws FatalDirectoryError when the eligible match's sub is %s", async (_, user) => {
      const error = await lookupWith([user]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FatalDirectoryError);
      expect((error as FatalDirectoryError).problems).toEqual(["Cognito: the directory returned an account whose sub is not a UUID"]);
    });
  });

  describe("errors", () => {
    it("throws a transient error, with the reason, when Cognito throttles", async () => {
      cognito.on(ListUsersCommand).rejects(new TooManyRequestsException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } }));
      const error = await directory.lookup(EMAIL).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TransientDirectoryError);
      // Marked as throttling, which the resolver answers by slowing down and asking again.
      expect(error).toMatchObject({ throttled: true, reason: expect.stringMatching(/throttled.*TooManyRequestsException/) });
    });

    it("throws FatalDirectoryError naming AWS_COGNITO_USER_POOL_ID when the pool does not exist", async () => {
      const cause = new ResourceNotFoundException({ message: "User pool does not exist.", $metadata: { httpStatusCode: 400 } });
      const error = await fatalFrom(cause);
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^Cognito: .*AWS_COGNITO_USER_POOL_ID/);
      expect(error.cause).toBe(cause);
      expect(exitCodeFor(error)).toBe(1);
    });

    it("throws FatalDirectoryError for a plain TypeError: a bug is never a skip", async () => {
      const cause = new TypeError("Cannot read properties of undefined (reading 'Users')");
      const error = await fatalFrom(cause);
      expect(error.problems[0]).toMatch(/^Cognito: unexpected error \(TypeError: .*\): this is a bug$/);
      expect(error.cause).toBe(cause);
    });
  });

  it("destroys the client on close", () => {
    const destroy = vi.spyOn(client, "destroy").mockImplementation(() => undefined);
    directory.close();
    expect(destroy).toHaveBeenCalledOnce();
  });
});

describe("createCognitoDirectory", () => {
  it("gives the directory a client of its own, with the seed's default timeouts", async () => {
    const directory = createCognitoDirectory({ region: "eu-west-2", userPoolId: POOL_ID });
    const client = (directory as unknown as { client: CognitoIdentityProviderClient }).client;
    try {
      const handler = client.config.requestHandler;
      const request = { protocol: "https:", hostname: "cognito.invalid", path: "/", method: "POST", headers: {}, query: {} };
      await expect(handler.handle(request, { abortSignal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
      const configs = (handler as unknown as { httpHandlerConfigs(): Record<string, unknown> }).httpHandlerConfigs();
      expect(configs).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true });
    } finally {
      directory.close();
    }
  });
});

describe("createCognitoClient", () => {
  it("uses the region and sets connection and request timeouts that throw", async () => {
    const client = createCognitoClient({ region: "eu-west-2", userPoolId: POOL_ID, connectTimeoutMs: 1234, requestTimeoutMs: 5678 });
    try {
      await expect(client.config.region()).resolves.toBe("eu-west-2");

      // The handler resolves its options lazily, on its first request, and only then shows them through its public
      // httpHandlerConfigs(). An already-aborted request resolves them and stops before opening any connection.
      const handler = client.config.requestHandler;
      const aborted = AbortSignal.abort();
      const request = { protocol: "https:", hostname: "cognito.invalid", path: "/", method: "POST", headers: {}, query: {} };
      await expect(handler.handle(request, { abortSignal: aborted })).rejects.toMatchObject({ name: "AbortError" });

      expect("httpHandlerConfigs" in handler && typeof handler.httpHandlerConfigs === "function").toBe(true);
      const configs = (handler as unknown as { httpHandlerConfigs(): Record<string, unknown> }).httpHandlerConfigs();
      expect(configs).toMatchObject({ connectionTimeout: 1234, requestTimeout: 5678, throwOnRequestTimeout: true });
    } finally {
      client.destroy();
    }
  });
});

describe("CognitoDirectory: scanning the pool", () => {
  const client = new CognitoIdentityProviderClient({ region: "eu-west-2" });
  const cognito = mockClient(client);
  const directory = new CognitoDirectory(client, POOL_ID);

  beforeEach(() => {
    cognito.reset();
  });

  it("lists one page of every account, 60 at most, with only the attributes eligibility needs", async () => {
    cognito.on(ListUsersCommand).resolves(page([account(), account({ sub: OTHER_SUB, email: "bob@example.com" })], "next-token"));
    const result = await directory.listPage("this-token");
    expect(cognito.commandCalls(ListUsersCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL_ID,
      Filter: undefined,
      AttributesToGet: ["sub", "email", "email_verified"],
      Limit: 60,
      PaginationToken: "this-token",
    });
    expect(result).toEqual({
      accounts: [
        { sub: SUB, email: EMAIL, emailVerified: true, enabled: true },
        { sub: OTHER_SUB, email: "bob@example.com", emailVerified: true, enabled: true },
      ],
      next: "next-token",
    });
  });

  it("says when a page cannot be had just now, and whether Cognito asked to slow down", async () => {
    cognito
      .on(ListUsersCommand)
      .rejectsOnce(new TooManyRequestsException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(new InternalErrorException({ message: "boom", $metadata: { httpStatusCode: 500 } }));
    await expect(directory.listPage(undefined)).rejects.toMatchObject({ name: "TransientDirectoryError", throttled: true });
    const error = await directory.listPage(undefined).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TransientDirectoryError);
    expect(error).toMatchObject({ throttled: false });
  });

  it("stops on a fatal error while listing", async () => {
    cognito.on(ListUsersCommand).rejects(new ResourceNotFoundException({ message: "no pool", $metadata: { httpStatusCode: 400 } }));
    await expect(directory.listPage(undefined)).rejects.toBeInstanceOf(FatalDirectoryError);
  });

  it("reads the pool's size and its email case rule from DescribeUserPool", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, EstimatedNumberOfUsers: 11_000 } });
    expect(await directory.describe()).toEqual({ estimatedSize: 11_000, emailsCaseSensitive: true });
    expect(cognito.commandCalls(DescribeUserPoolCommand)[0]?.args[0].input).toEqual({ UserPoolId: POOL_ID });
  });

  it.each([
    [{ CaseSensitive: false }, false],
    [{ CaseSensitive: true }, true],
    // Created through the API without the setting: case-sensitive.
    [undefined, true],
  ])("UsernameConfiguration %j: emails case-sensitive %s", async (configuration, caseSensitive) => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UsernameConfiguration: configuration } });
    expect(await directory.describe()).toEqual({ estimatedSize: undefined, emailsCaseSensitive: caseSensitive });
  });

  it("says when Cognito cannot describe the pool just now, and stops when the policy forbids asking", async () => {
    const denied = Object.assign(new Error("not authorized"), {
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    cognito
      .on(DescribeUserPoolCommand)
      .rejectsOnce(new InternalErrorException({ message: "boom", $metadata: { httpStatusCode: 500 } }))
      .rejectsOnce(denied);
    await expect(directory.describe()).rejects.toMatchObject({ name: "TransientDirectoryError", throttled: false });
    await expect(directory.describe()).rejects.toThrow(/DescribeUserPool: the credentials may not make this call.*iam-policy\.json/);
  });
});
