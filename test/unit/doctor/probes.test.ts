import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

import { describeUserPool, findMigrationsDirectory, listMigrationDirectories, listOneUser } from "../../../src/doctor/probes.js";

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

describe("the migrations directory", () => {
  it("lists migration directories in name order, not the lock file", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "flip-db-doctor-"));
    for (const name of ["20260201000000_b", "20260101000000_a"]) await mkdir(path.join(directory, name));
    await writeFile(path.join(directory, "migration_lock.toml"), 'provider = "postgresql"\n');
    expect(await listMigrationDirectories(directory)).toEqual(["20260101000000_a", "20260201000000_b"]);
  });

  it("is found from the module upwards, from src/ as from a build in dist/", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "flip-db-doctor-"));
    await mkdir(path.join(root, "prisma", "migrations"), { recursive: true });
    await mkdir(path.join(root, "dist", "src", "doctor"), { recursive: true });
    expect(findMigrationsDirectory(path.join(root, "dist", "src", "doctor"))).toBe(path.join(root, "prisma", "migrations"));
    // By default: this package's own.
    expect(await listMigrationDirectories(findMigrationsDirectory())).toContain("20261128063814_init");
  });
});
