import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import { NOBODY } from "../../../src/doctor/checks.js";
import { openDirectory } from "../../../src/doctor/probes.js";

const TARGET = { region: "eu-west-2", userPoolId: "eu-west-2_AbC123", connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 };

describe("the doctor's directory", () => {
  // Mocks `send` on every client instance, the directory's own included.
  const cognito = mockClient(CognitoIdentityProviderClient);
  beforeEach(() => cognito.reset());
  afterAll(() => cognito.restore());

  it("is the seed's Cognito directory: its lookup is one filtered ListUsers, asking for what eligibility needs only", async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    const directory = await openDirectory(TARGET);
    expect(await directory.lookup(NOBODY)).toEqual({ status: "not_found" });
    directory.close();
    expect(cognito.commandCalls(ListUsersCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: "eu-west-2_AbC123", Filter: `email = "${NOBODY}"`, AttributesToGet: ["sub", "email", "email_verified"], Limit: 60 },
    ]);
    expect(cognito.calls()).toHaveLength(1);
  });

  it("describes the pool: its name and size", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Name: "flip-users", EstimatedNumberOfUsers: 7 } });
    const directory = await openDirectory(TARGET);
    expect(await directory.describe()).toMatchObject({ name: "flip-users", estimatedSize: 7 });
    directory.close();
    expect(cognito.commandCalls(DescribeUserPoolCommand)[0]!.args[0].input).toEqual({ UserPoolId: "eu-west-2_AbC123" });
  });

  it("rejects with the directory's own error, its reason worded as for the seed", async () => {
    cognito
      .on(DescribeUserPoolCommand)
      .rejects(new ResourceNotFoundException({ message: "no such pool", $metadata: { httpStatusCode: 400 } }));
    const directory = await openDirectory(TARGET);
    const failure = await directory.describe().catch((error: unknown) => error);
    directory.close();
    expect(failure).toBeInstanceOf(FatalDirectoryError);
    expect((failure as FatalDirectoryError).problems).toEqual([
      "Cognito: DescribeUserPool: the user pool does not exist: check AWS_COGNITO_USER_POOL_ID and AWS_REGION (ResourceNotFoundException, HTTP 400)",
    ]);
    expect((failure as FatalDirectoryError).reason).toBe(
      "the user pool does not exist: check AWS_COGNITO_USER_POOL_ID and AWS_REGION (ResourceNotFoundException, HTTP 400)",
    );
  });
});
