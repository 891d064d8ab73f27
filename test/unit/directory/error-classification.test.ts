import {
  InternalErrorException,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UserNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";

import { classifyDirectoryError, type ErrorCategory } from "../../../src/directory/error-classification.js";

const metadata = (httpStatusCode?: number) => ({ $metadata: { httpStatusCode } });

/** An error as the SDK builds it for a generic AWS error code without its own class. */
function awsError(name: string, httpStatusCode: number, fault: "client" | "server" = "client", message = name) {
  return Object.assign(new Error(message), { name, $fault: fault, ...metadata(httpStatusCode) });
}

/** A Node network error as the SDK's HTTP handler passes it on. */
function networkError(code: string, name = "Error") {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { name, code, ...metadata(undefined) });
}

const cognito = <T>(Exception: new (options: never) => T, httpStatusCode: number) =>
  new Exception({ message: "from Cognito", $metadata: { httpStatusCode } } as never);

// One row per error the seed can meet: what it is, and what the seed must do with it.
const TABLE: Array<[string, unknown, ErrorCategory, RegExp]> = [
  // Throttling: the SDK has retried; skip the user.
  ["TooManyRequestsException", cognito(TooManyRequestsException, 400), "transient", /throttled/],
  ["ThrottlingException", awsError("ThrottlingException", 400), "transient", /throttled/],
  ["HTTP 429 with an unparseable body", awsError("Unknown", 429), "transient", /throttled.*HTTP 429/],
  // Server faults.
  ["InternalErrorException", cognito(InternalErrorException, 500), "transient", /Cognito/],
  ["HTTP 500", awsError("Unknown", 500, "server"), "transient", /HTTP 500/],
  ["HTTP 502 with an empty body", awsError("Unknown", 502, "server"), "transient", /HTTP 502/],
  ["HTTP 503", awsError("ServiceUnavailable", 503, "server"), "transient", /HTTP 503/],
  ["HTTP 504", awsError("Unknown", 504, "server"), "transient", /HTTP 504/],
  ["HTTP 507 (any other 5xx)", awsError("Unknown", 507, "server"), "transient", /server error.*HTTP 507/],
  [
    "a 5xx whose body is not JSON (the SDK's SyntaxError)",
    Object.assign(new SyntaxError("Unexpected token '<'"), metadata(500)),
    "transient",
    /HTTP 500/,
  ],
  // Timeouts.
  [
    "TimeoutError (request timeout)",
    Object.assign(new Error("exceeded requestTimeout"), { name: "TimeoutError", code: "ETIMEDOUT" }),
    "transient",
    /TimeoutError/,
  ],
  ["ETIMEDOUT", networkError("ETIMEDOUT"), "transient", /ETIMEDOUT/],
  // Network.
  ["ECONNRESET (the SDK names it TimeoutError)", networkError("ECONNRESET", "TimeoutError"), "transient", /unreachable/],
  ["ECONNREFUSED", networkError("ECONNREFUSED"), "transient", /ECONNREFUSED/],
  ["EPIPE", networkError("EPIPE"), "transient", /EPIPE/],
  ["EHOSTUNREACH", networkError("EHOSTUNREACH"), "transient", /EHOSTUNREACH/],
  ["ENETUNREACH", networkError("ENETUNREACH"), "transient", /ENETUNREACH/],
  ["EAI_AGAIN", networkError("EAI_AGAIN"), "transient", /EAI_AGAIN/],
  ["ENOTFOUND", networkError("ENOTFOUND"), "transient", /ENOTFOUND/],
  // Configuration: stop, say what to fix.
  ["NotAuthorizedException", cognito(NotAuthorizedException, 400), "fatal", /credentials/],
  ["ResourceNotFoundException (wrong pool)", cognito(ResourceNotFoundException, 400), "fatal", /AWS_COGNITO_USER_POOL_ID and AWS_REGION/],
  ["InvalidParameterException", cognito(InvalidParameterException, 400), "fatal", /AWS_COGNITO_USER_POOL_ID/],
  ["UnrecognizedClientException", awsError("UnrecognizedClientException", 400), "fatal", /access key/],
  ["AccessDeniedException", awsError("AccessDeniedException", 400), "fatal", /iam-policy\.json/],
  ["ExpiredTokenException", awsError("ExpiredTokenException", 400), "fatal", /session token has expired/],
  ["InvalidSignatureException", awsError("InvalidSignatureException", 400), "fatal", /AWS_SECRET_ACCESS_KEY/],
  [
    "InvalidSignatureException 'Signature expired' (retried by the SDK as clock skew, fatal once retries are spent)",
    awsError("InvalidSignatureException", 400, "client", "Signature expired: 20260101T000000Z is now earlier than ..."),
    "fatal",
    /system clock/,
  ],
  [
    "CredentialsProviderError (no credentials)",
    Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    "fatal",
    /no AWS credentials/,
  ],
  [
    "any other client fault (UserNotFoundException)",
    cognito(UserNotFoundException, 400),
    "fatal",
    /rejected the request.*UserNotFoundException/,
  ],
  ["any other 4xx (HTTP 403 without a name)", awsError("Unknown", 403), "fatal", /HTTP 403/],
  // Bugs are never skips.
  ["a TypeError from our own code", new TypeError("Cannot read properties of undefined (reading 'Users')"), "fatal", /bug/],
  ["a thrown string", "boom", "fatal", /bug/],
  ["undefined", undefined, "fatal", /bug/],
  [
    "AbortError (our own abort, not the network)",
    Object.assign(new Error("aborted"), { name: "AbortError", code: "ECONNRESET" }),
    "fatal",
    /bug/,
  ],
];

describe("classifyDirectoryError", () => {
  it.each(TABLE)("%s is %s", (_label, error, category, reason) => {
    const classification = classifyDirectoryError(error);
    expect(classification.category).toBe(category);
    expect(classification.reason).toMatch(reason);
  });

  it("says nothing of the request: no email, no credentials", () => {
    const error = awsError(
      "AccessDeniedException",
      400,
      "client",
      "User: arn:aws:sts::123:assumed-role/x is not authorized for alice@example.org",
    );
    expect(classifyDirectoryError(error).reason).not.toContain("alice@example.org");
  });
});
