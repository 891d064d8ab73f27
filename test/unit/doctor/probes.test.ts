import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { describeUserPool, listOneUser } from "../../../src/doctor/probes.js";

const TARGET = { region: "eu-west-2", userPoolId: "eu-west-2_AbC123", connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 };

describe("the Cognito probes", () => {
  // Mocks `send` on every client instance, the probes' own included.
  const cognito = mockClient(CognitoIdentityProviderClient);
  beforeEach(() => cognito.reset());
  afterAll(() => cognito.restore());

  it("ListUsers asks for one account and its sub only", async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    await listOneUser(TARGET);
    expect(cognito.commandCalls(ListUsersCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: "eu-west-2_AbC123", Limit: 1, AttributesToGet: ["sub"] },
    ]);
    expect(cognito.calls()).toHaveLength(1);
  });

  it("DescribeUserPool gives the pool's name and size", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Name: "flip-users", EstimatedNumberOfUsers: 7 } });
    expect(await describeUserPool(TARGET)).toEqual({ name: "flip-users", estimatedUsers: 7 });
    expect(cognito.commandCalls(DescribeUserPoolCommand)[0]!.args[0].input).toEqual({ UserPoolId: "eu-west-2_AbC123" });
  });

  it("rejects with the SDK's own error, for the checks to classify", async () => {
    const missing = new ResourceNotFoundException({ message: "no such pool", $metadata: { httpStatusCode: 400 } });
    cognito.on(DescribeUserPoolCommand).rejects(missing);
    await expect(describeUserPool(TARGET)).rejects.toBe(missing);
  });
});
