/**
 * The seed's error taxonomy: any value a directory call throws is either
 * transient (skip this user, warn, carry on) or fatal (stop before writing,
 * say what to fix). The SDK's own classification decides what is
 * retryable; this module only adds what an operator should do about the rest.
 * Anything unrecognised is fatal: a bug must never pass as a skipped user.
 */
import { isServerError, isThrottlingError, isTransientError } from "@smithy/service-error-classification";

/** The shape the SDK's predicates take. */
type SdkError = Parameters<typeof isTransientError>[0];

export type ErrorCategory = "transient" | "fatal";

export interface Classification {
  category: ErrorCategory;
  /** Cognito asked us to slow down (a transient error the resolver answers by slowing down). */
  throttled?: boolean;
  /** One line: what happened and, for fatal errors, what to fix. Never holds a secret or an email. */
  reason: string;
}

/**
 * Errors that mean the configuration is wrong, with what to fix. Checked before
 * the SDK's transient test: once the SDK's retries are spent, an expired
 * signature (which it retries as clock skew) is a clock or credentials problem.
 */
const FATAL_ERROR_FIXES: Readonly<Record<string, string>> = {
  NotAuthorizedException: "Cognito refused the caller: check the credentials and that they belong to the pool's account",
  ResourceNotFoundException: "the user pool does not exist: check AWS_COGNITO_USER_POOL_ID and AWS_REGION",
  InvalidParameterException: "Cognito rejected the request as invalid: check AWS_COGNITO_USER_POOL_ID",
  UnrecognizedClientException: "the access key is not recognised: check the AWS credentials",
  AccessDeniedException: "the credentials may not make this call on the user pool: grant what docs/iam-policy.json grants",
  ExpiredTokenException: "the AWS session token has expired: renew the credentials",
  InvalidSignatureException: "the request signature was rejected: check AWS_SECRET_ACCESS_KEY and the system clock",
  CredentialsProviderError:
    "no AWS credentials were found: provide them through the default credential chain (environment, profile or role)",
};

type ErrorLike = Partial<SdkError> & { name?: string; code?: string; message?: string; $fault?: string };

function errorName(error: ErrorLike): string {
  return error.name && error.name !== "Error" ? error.name : (error.code ?? "Error");
}

function httpStatus(error: ErrorLike): number | undefined {
  return error.$metadata?.httpStatusCode;
}

/** Whether the value came from AWS or the network at all, as opposed to our own code. */
function isAwsOrNetworkError(error: ErrorLike): boolean {
  return httpStatus(error) !== undefined || error.$fault !== undefined || isTransientError(error as SdkError);
}

export function classifyDirectoryError(thrown: unknown): Classification {
  if (typeof thrown !== "object" || thrown === null) {
    return { category: "fatal", reason: `unexpected error (${String(thrown)}): this is a bug` };
  }
  const error = thrown as ErrorLike;
  const name = errorName(error);
  const status = httpStatus(error);
  const statusText = status === undefined ? "" : `, HTTP ${status}`;

  const fix = FATAL_ERROR_FIXES[name];
  if (fix !== undefined) return { category: "fatal", reason: `${fix} (${name}${statusText})` };

  const sdkError = error as SdkError;
  if (isThrottlingError(sdkError)) {
    return { category: "transient", throttled: true, reason: `throttled by Cognito (${name}${statusText})` };
  }
  if (isTransientError(sdkError)) {
    return { category: "transient", reason: `Cognito unavailable or unreachable (${name}${statusText})` };
  }
  if (isServerError(sdkError) || name === "InternalErrorException") {
    return { category: "transient", reason: `Cognito server error (${name}${statusText})` };
  }
  if (isAwsOrNetworkError(error)) {
    return { category: "fatal", reason: `Cognito rejected the request (${name}${statusText}): check the configuration` };
  }
  return { category: "fatal", reason: `unexpected error (${name}: ${error.message ?? ""}): this is a bug` };
}
