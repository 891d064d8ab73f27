import { describe, expect, it } from "vitest";

import { ConfigError } from "../../src/shared/config/ConfigError.js";
import { readEnvironment } from "../../src/shared/config/environment.js";
import { createScrubber, secretsFromEnvironment } from "../../src/shared/logging.js";

const DATABASE_URL = "postgresql://flip@db.internal:5432/flip";
const SECRET = "SENTINEL-kc-secret-6f2a9d";
const KEYCLOAK = {
  DATABASE_URL,
  IDENTITY_PROVIDER: "keycloak",
  KEYCLOAK_URL: "https://sso.example.org",
  KEYCLOAK_REALM: "flip",
  KEYCLOAK_CLIENT_ID: "flip-db",
  KEYCLOAK_CLIENT_SECRET: SECRET,
};

function problems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    readEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  expect.fail("readEnvironment accepted an invalid environment");
}

describe("IDENTITY_PROVIDER=keycloak", () => {
  it("reads Keycloak's four variables and asks for none of Cognito's", () => {
    const config = readEnvironment(KEYCLOAK);
    expect(config.keycloak).toEqual({
      baseUrl: "https://sso.example.org",
      realm: "flip",
      clientId: "flip-db",
      clientSecret: SECRET,
      connectTimeoutMs: undefined,
      requestTimeoutMs: undefined,
    });
    expect(config.region).toBeUndefined();
    expect(config.userPoolId).toBeUndefined();
  });

  it("takes the two optional timeouts; unset, the directory's own defaults apply", () => {
    const config = readEnvironment({ ...KEYCLOAK, SEED_KEYCLOAK_CONNECT_TIMEOUT_MS: "700", SEED_KEYCLOAK_REQUEST_TIMEOUT_MS: "900" });
    expect(config.keycloak).toMatchObject({ connectTimeoutMs: 700, requestTimeoutMs: 900 });
  });

  it("reports each missing variable, one line each naming it, and nothing of Cognito's", () => {
    expect(problems({ DATABASE_URL, IDENTITY_PROVIDER: "keycloak" })).toEqual([
      "KEYCLOAK_URL: is required (Keycloak's address, e.g. https://sso.example.org)",
      "KEYCLOAK_REALM: is required (the realm the platform's users are in, e.g. flip)",
      "KEYCLOAK_CLIENT_ID: is required (the id of the confidential client whose service account the seed uses, e.g. flip-db)",
      "KEYCLOAK_CLIENT_SECRET: is required (that client's secret, from its Credentials tab)",
    ]);
  });

  it("with Cognito (the default), asks for none of Keycloak's", () => {
    expect(problems({ DATABASE_URL })).toEqual([
      "AWS_REGION: is required (the Cognito user pool's region, e.g. eu-west-2)",
      "AWS_COGNITO_USER_POOL_ID: is required (the Cognito user pool id, e.g. eu-west-2_AbCdEf123)",
    ]);
    expect(problems({ DATABASE_URL, IDENTITY_PROVIDER: "cognito", KEYCLOAK_URL: "nonsense" })).toHaveLength(2);
  });

  it("refuses another provider, with the other problems and neither provider's variables", () => {
    expect(problems({ DATABASE_URL: "mysql://x@y/z", IDENTITY_PROVIDER: "okta" })).toEqual([
      "DATABASE_URL: must be a postgresql:// URL with a host (or ?host=/socket/directory)",
      "IDENTITY_PROVIDER: must be cognito or keycloak",
    ]);
    expect(problems({ DATABASE_URL, IDENTITY_PROVIDER: "Keycloak" })).toEqual(["IDENTITY_PROVIDER: must be cognito or keycloak"]);
  });

  it.each([
    ["KEYCLOAK_URL", "sso.example.org", "must be an http:// or https:// URL"],
    ["KEYCLOAK_URL", "ftp://sso.example.org", "must be an http:// or https:// URL"],
    ["KEYCLOAK_URL", "https://admin:pw@sso.example.org", "must not carry credentials, a query or a fragment"],
    ["KEYCLOAK_URL", "https://sso.example.org/?realm=flip", "must not carry credentials, a query or a fragment"],
    ["KEYCLOAK_REALM", "flip ", "must not begin or end with a space"],
    ["KEYCLOAK_CLIENT_ID", " flip-db", "must not begin or end with a space"],
    ["KEYCLOAK_CLIENT_ID", "flip\ndb", "must not hold a control character"],
    ["KEYCLOAK_CLIENT_SECRET", "short", "must be at least 8 characters (Keycloak generates 32)"],
    ["SEED_KEYCLOAK_CONNECT_TIMEOUT_MS", "3s", "must be a whole number of milliseconds"],
    ["SEED_KEYCLOAK_REQUEST_TIMEOUT_MS", "0", "must be between 1 and 600000"],
  ])("refuses %s=%j in one line naming it", (name, value, message) => {
    expect(problems({ ...KEYCLOAK, [name]: value })).toEqual([`${name}: ${message}`]);
  });

  it("never echoes the client secret, even a malformed one", () => {
    const malformed = `${SECRET} `;
    const found = problems({ ...KEYCLOAK, KEYCLOAK_CLIENT_SECRET: malformed, KEYCLOAK_URL: "x" });
    expect(found.join("\n")).not.toContain("SENTINEL");
  });

  it("gives the client secret to the scrubber", () => {
    const scrub = createScrubber(secretsFromEnvironment(KEYCLOAK));
    expect(scrub(`token request with client_secret=${SECRET}`)).toBe("token request with client_secret=[redacted]");
  });
});
