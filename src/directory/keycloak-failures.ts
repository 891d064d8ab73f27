/**
 * What a request to Keycloak can fail with, besides Node's own network
 * errors (ECONNREFUSED, ENOTFOUND, ...): an HTTP error status, an answer that
 * is not the documented JSON, a timeout. These carry only what the taxonomy
 * (keycloak-error-classification.ts) needs to say what happened and what to
 * fix: never the request, so never the client secret, the admin token or an
 * email.
 */

/**
 * Which of Keycloak's endpoints a request went to: the token endpoint, the
 * admin API's user list or its count; for the doctor, the realm's public
 * description and one user by id.
 */
export type KeycloakEndpoint = "token" | "users" | "count" | "realm" | "user";

/** What an answer's body was, as far as an operator cares. */
export type BodyKind =
  /** Keycloak's own error JSON: `{"error": "...", "error_description": "..."}`. */
  | "keycloak-error"
  /** Other JSON. */
  | "json"
  /** An HTML page: a proxy's, a load balancer's, or Keycloak's own error page. */
  | "html"
  /** Some other text. */
  | "text"
  | "empty";

export interface HttpFailure {
  endpoint: KeycloakEndpoint;
  status: number;
  bodyKind: BodyKind;
  /** Keycloak's `error` field, when the body is Keycloak's error JSON. */
  error?: string;
  /** Keycloak's `error_description` field, cleaned for a log line (one line, short, no secret, no email). */
  description?: string;
  /** A redirect's target: its origin only. */
  redirectTo?: string;
  /** The request carried an admin token issued just after the previous one was refused. */
  withFreshToken?: boolean;
}

/** Keycloak, or something in front of it, answered with an HTTP status other than 2xx. */
export class KeycloakHttpError extends Error {
  override name = "KeycloakHttpError" as const;

  constructor(readonly failure: HttpFailure) {
    super(`Keycloak's ${failure.endpoint} endpoint answered HTTP ${failure.status}`);
  }

  /** The same failure, marked as the answer to a retry with a fresh token. */
  withFreshToken(): KeycloakHttpError {
    return new KeycloakHttpError({ ...this.failure, withFreshToken: true });
  }
}

/** A 2xx answer that is not the JSON Keycloak documents for that endpoint. */
export class KeycloakAnswerError extends Error {
  override name = "KeycloakAnswerError" as const;

  constructor(
    readonly endpoint: KeycloakEndpoint,
    /** What is wrong with it, e.g. "HTML" or "[0].enabled: expected boolean"; never a value from the answer. */
    readonly problem: string,
  ) {
    super(`Keycloak's ${endpoint} endpoint answered with ${problem}`);
  }
}

/** A request ran out of time: connecting (`connect`), or the whole request (`request`). */
export class KeycloakTimeoutError extends Error {
  override name = "KeycloakTimeoutError" as const;

  constructor(
    readonly phase: "connect" | "request",
    readonly ms: number,
  ) {
    super(phase === "connect" ? `no connection to Keycloak within ${ms} ms` : `no answer from Keycloak within ${ms} ms`);
  }
}
