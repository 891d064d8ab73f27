/**
 * The seed's error taxonomy for Keycloak, as error-classification.ts is for
 * Cognito: anything a Keycloak request throws is transient (skip the user,
 * the boot goes on) or fatal (stop before writing, one line saying what to
 * fix). The lines name the environment variables an operator sets; the
 * directory puts `Keycloak: ` in front of fatal ones. Anything unrecognised
 * is fatal: a bug must never pass as a skipped user.
 */
import { errorCode } from "../shared/errors.js";
import { isUnreachable } from "../shared/postgres/error-codes.js";
import type { Classification } from "./error-classification.js";
import {
  KeycloakAnswerError,
  KeycloakHttpError,
  KeycloakTimeoutError,
  type HttpFailure,
  type KeycloakEndpoint,
} from "./keycloak-failures.js";

/** What each endpoint is called in a line. */
const ENDPOINT_NAMES: Readonly<Record<KeycloakEndpoint, string>> = {
  token: "token endpoint",
  users: "users endpoint",
  count: "users/count endpoint",
  realm: "realm endpoint",
  user: "user endpoint",
};

/** Keycloak's `error` values by which its token endpoint refuses a client (OAuth 2.0, RFC 6749 §5.2). */
const CLIENT_REFUSED_ERRORS = new Set(["invalid_client", "unauthorized_client"]);

/** Keycloak's own words for a realm that does not exist: the token endpoint's, then the Admin API's (Keycloak 26). */
const REALM_NOT_FOUND_ERRORS = new Set(["Realm does not exist", "Realm not found."]);

/** Node's network errors besides those PostgreSQL's connections share: writing to a connection the server has closed. */
const ALSO_CUT_OFF = new Set(["EPIPE", "ECONNABORTED"]);

/** Node's TLS errors: the certificate is not one Node trusts, or not for this host. */
const CERTIFICATE_ERRORS = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const transient = (reason: string, throttled = false): Classification => ({ category: "transient", reason, throttled });
const fatal = (reason: string): Classification => ({ category: "fatal", reason });

/** `(users endpoint, HTTP 404: Realm not found.)`: where, which status, and Keycloak's own words or what the body was. */
function where(failure: HttpFailure, extra?: string): string {
  const words = [failure.error, failure.description].filter((word) => word !== undefined).join(": ");
  const body = failure.bodyKind === "keycloak-error" ? words : failure.bodyKind;
  const detail = [body === "" || body === "json" || body === "empty" ? undefined : body, extra].filter(Boolean).join(", ");
  return `(${ENDPOINT_NAMES[failure.endpoint]}, HTTP ${failure.status}${detail === "" ? "" : `: ${detail}`})`;
}

function isRealmNotFound(failure: HttpFailure): boolean {
  return failure.status === 404 && failure.error !== undefined && REALM_NOT_FOUND_ERRORS.has(failure.error);
}

/** The token endpoint's refusals: each says what to fix. */
function tokenRefusal(failure: HttpFailure): Classification {
  const refusedClient = failure.status === 401 || (failure.error !== undefined && CLIENT_REFUSED_ERRORS.has(failure.error));
  if (refusedClient) {
    return fatal(
      `Keycloak refused the client ${where(failure)}: check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET, ` +
        "and that the client has client authentication and service accounts enabled",
    );
  }
  if (failure.status === 403) {
    return fatal(`Keycloak's token endpoint refused the request ${where(failure)}: check what stands between flip-db and KEYCLOAK_URL`);
  }
  return fatal(`Keycloak refused the token request ${where(failure)}: check the settings of the client KEYCLOAK_CLIENT_ID`);
}

/** The Admin API's refusals: each says what to fix. */
function adminRefusal(failure: HttpFailure): Classification {
  if (failure.status === 401) {
    const what = failure.withFreshToken ? "a freshly issued admin token" : "the admin token";
    return fatal(
      `Keycloak refused ${what} ${where(failure, failure.withFreshToken ? "twice" : undefined)}: ` +
        "check that KEYCLOAK_URL is the address Keycloak issues its tokens for (its hostname setting)",
    );
  }
  if (failure.status === 403) {
    return fatal(
      `the client's service account may not list users ${where(failure)}: ` +
        "give it the realm-management role view-users (Clients, KEYCLOAK_CLIENT_ID, Service accounts roles)",
    );
  }
  return fatal(`Keycloak rejected the request ${where(failure)}: check KEYCLOAK_URL and KEYCLOAK_REALM`);
}

function classifyHttp(failure: HttpFailure): Classification {
  const { status } = failure;
  if (status === 429) return transient(`throttled by Keycloak or a proxy in front of it ${where(failure)}`, true);
  if (status >= 500) return transient(`Keycloak unavailable ${where(failure)}`);
  if (status >= 300 && status < 400) {
    const target = failure.redirectTo ? ` to ${failure.redirectTo}` : "";
    return fatal(`Keycloak answered with a redirect${target} ${where(failure)}: set KEYCLOAK_URL to the address it redirects to`);
  }
  if (isRealmNotFound(failure)) return fatal(`the realm does not exist ${where(failure)}: check KEYCLOAK_REALM`);
  if (status === 404) {
    return fatal(
      `there is no Keycloak ${ENDPOINT_NAMES[failure.endpoint]} at that address ${where(failure)}: ` +
        "check KEYCLOAK_URL (its path ends in /auth only for Keycloak 16 and older) and KEYCLOAK_REALM",
    );
  }
  return failure.endpoint === "token" ? tokenRefusal(failure) : adminRefusal(failure);
}

function classifyNetwork(code: string, name: string): Classification | undefined {
  if (isUnreachable(code) || ALSO_CUT_OFF.has(code)) return transient(`Keycloak unreachable (${code})`);
  if (CERTIFICATE_ERRORS.has(code)) {
    return fatal(
      `Keycloak's TLS certificate was not accepted (${code}): check KEYCLOAK_URL's host name, ` +
        "or give Node the certificate's CA with NODE_EXTRA_CA_CERTS",
    );
  }
  if (code.startsWith("HPE_") || code === "EPROTO" || code.startsWith("ERR_SSL_")) {
    return fatal(`KEYCLOAK_URL does not answer in the protocol its scheme says (${name}, ${code}): check http:// or https:// and the port`);
  }
  return undefined;
}

export function classifyKeycloakError(thrown: unknown): Classification {
  if (thrown instanceof KeycloakTimeoutError) {
    return transient(`Keycloak did not ${thrown.phase === "connect" ? "accept a connection" : "answer"} within ${thrown.ms} ms`);
  }
  if (thrown instanceof KeycloakHttpError) return classifyHttp(thrown.failure);
  if (thrown instanceof KeycloakAnswerError) {
    return fatal(
      `Keycloak's ${ENDPOINT_NAMES[thrown.endpoint]} answered with ${thrown.problem}, not the documented JSON: ` +
        "check that KEYCLOAK_URL reaches Keycloak itself, not a proxy's page",
    );
  }
  if (typeof thrown !== "object" || thrown === null) return fatal(`unexpected error (${String(thrown)}): this is a bug`);
  const error = thrown as { name?: unknown; message?: unknown };
  const name = typeof error.name === "string" ? error.name : "Error";
  const code = errorCode(thrown);
  // Our own abort (the seed stopping), never the network's.
  const network = name === "AbortError" || code === undefined ? undefined : classifyNetwork(code, name);
  return network ?? fatal(`unexpected error (${name}: ${typeof error.message === "string" ? error.message : ""}): this is a bug`);
}
