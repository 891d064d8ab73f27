import { describe, expect, it } from "vitest";

import type { ErrorCategory } from "../../../src/directory/error-classification.js";
import { classifyKeycloakError } from "../../../src/directory/keycloak-error-classification.js";
import {
  KeycloakAnswerError,
  KeycloakHttpError,
  KeycloakTimeoutError,
  type HttpFailure,
  type KeycloakEndpoint,
} from "../../../src/directory/keycloak-failures.js";

/** An HTTP error as the Keycloak API module builds it from an answer. */
function http(endpoint: KeycloakEndpoint, status: number, body: Partial<HttpFailure> = {}): KeycloakHttpError {
  return new KeycloakHttpError({ endpoint, status, bodyKind: body.error === undefined ? "empty" : "keycloak-error", ...body });
}

/** A Node network error as node:http emits it. */
function networkError(code: string, message = `connect ${code} 127.0.0.1:8080`) {
  return Object.assign(new Error(message), { code });
}

const proxyPage = (endpoint: KeycloakEndpoint, status: number) => http(endpoint, status, { bodyKind: "html" });

// One row per failure the seed can meet with Keycloak: what it is, and what the seed must do with it.
const TABLE: Array<[string, unknown, ErrorCategory, RegExp]> = [
  // The network: skip the user, the boot goes on.
  ["connection refused (ECONNREFUSED)", networkError("ECONNREFUSED"), "transient", /^Keycloak unreachable \(ECONNREFUSED\)$/],
  ["connection reset (ECONNRESET)", networkError("ECONNRESET", "socket hang up"), "transient", /unreachable \(ECONNRESET\)/],
  ["connection timed out by the OS (ETIMEDOUT)", networkError("ETIMEDOUT"), "transient", /unreachable \(ETIMEDOUT\)/],
  ["a write to a closed connection (EPIPE)", networkError("EPIPE"), "transient", /unreachable \(EPIPE\)/],
  ["DNS: no such host (ENOTFOUND)", networkError("ENOTFOUND", "getaddrinfo ENOTFOUND sso.example.org"), "transient", /ENOTFOUND/],
  ["DNS: resolver unavailable (EAI_AGAIN)", networkError("EAI_AGAIN"), "transient", /EAI_AGAIN/],
  ["no route to the host (EHOSTUNREACH)", networkError("EHOSTUNREACH"), "transient", /EHOSTUNREACH/],
  ["no route to the network (ENETUNREACH)", networkError("ENETUNREACH"), "transient", /ENETUNREACH/],
  ["the connect timeout", new KeycloakTimeoutError("connect", 3_000), "transient", /did not accept a connection within 3000 ms/],
  ["the request timeout (a hung Keycloak)", new KeycloakTimeoutError("request", 5_000), "transient", /did not answer within 5000 ms/],
  // Server faults and throttling, from either endpoint.
  [
    "the token endpoint down behind its proxy (503, HTML)",
    proxyPage("token", 503),
    "transient",
    /unavailable \(token endpoint, HTTP 503: html\)/,
  ],
  ["the token endpoint's own 500", http("token", 500, { error: "unknown_error" }), "transient", /token endpoint, HTTP 500/],
  ["the token endpoint's 502 with no body", http("token", 502), "transient", /token endpoint, HTTP 502\)/],
  ["the users endpoint's 500", http("users", 500, { error: "unknown_error" }), "transient", /users endpoint, HTTP 500/],
  ["the users endpoint's 504 from a proxy", proxyPage("users", 504), "transient", /users endpoint, HTTP 504/],
  ["the count endpoint's 503", proxyPage("count", 503), "transient", /users\/count endpoint, HTTP 503/],
  ["429 from the token endpoint", proxyPage("token", 429), "transient", /^throttled by Keycloak or a proxy.*token endpoint, HTTP 429/],
  ["429 from the users endpoint", proxyPage("users", 429), "transient", /^throttled.*users endpoint, HTTP 429/],
  // The token endpoint refusing the client: check the client's id and secret.
  [
    "invalid_client (an unknown client)",
    http("token", 401, { error: "invalid_client", description: "Invalid client or Invalid client credentials" }),
    "fatal",
    /^Keycloak refused the client \(token endpoint, HTTP 401: invalid_client: Invalid client or Invalid client credentials\): check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  ],
  [
    "unauthorized_client (a wrong secret)",
    http("token", 401, { error: "unauthorized_client", description: "Invalid client or Invalid client credentials" }),
    "fatal",
    /refused the client.*unauthorized_client.*check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET/,
  ],
  [
    "unauthorized_client (service accounts off)",
    http("token", 401, { error: "unauthorized_client", description: "Client not enabled to retrieve service account" }),
    "fatal",
    /Client not enabled to retrieve service account.*service accounts enabled/,
  ],
  [
    "unauthorized_client with 400 (older Keycloak)",
    http("token", 400, { error: "unauthorized_client", description: "Client not enabled to retrieve service account" }),
    "fatal",
    /KEYCLOAK_CLIENT_SECRET/,
  ],
  [
    "a bare 401 from the token endpoint",
    http("token", 401),
    "fatal",
    /refused the client \(token endpoint, HTTP 401\): check KEYCLOAK_CLIENT_ID/,
  ],
  [
    "any other OAuth error (unsupported_grant_type)",
    http("token", 400, { error: "unsupported_grant_type", description: "Unsupported grant_type" }),
    "fatal",
    /^Keycloak refused the token request \(token endpoint, HTTP 400: unsupported_grant_type: Unsupported grant_type\): check the settings of the client KEYCLOAK_CLIENT_ID$/,
  ],
  [
    "a 403 from the token endpoint (a WAF)",
    proxyPage("token", 403),
    "fatal",
    /token endpoint refused the request \(token endpoint, HTTP 403: html\)/,
  ],
  // The realm.
  [
    "no such realm at the token endpoint",
    http("token", 404, { error: "Realm does not exist" }),
    "fatal",
    /^the realm does not exist \(token endpoint, HTTP 404: Realm does not exist\): check KEYCLOAK_REALM$/,
  ],
  [
    "no such realm at the Admin API",
    http("users", 404, { error: "Realm not found." }),
    "fatal",
    /^the realm does not exist \(users endpoint, HTTP 404: Realm not found\.\): check KEYCLOAK_REALM$/,
  ],
  [
    "no such path (KEYCLOAK_URL with /auth on Keycloak 17+)",
    http("token", 404, {
      error: "Unable to find matching target resource method",
      description: "For more on this error consult the server log",
    }),
    "fatal",
    /no Keycloak token endpoint at that address.*check KEYCLOAK_URL.*\/auth/,
  ],
  ["a proxy's 404 page", proxyPage("users", 404), "fatal", /no Keycloak users endpoint at that address \(users endpoint, HTTP 404: html\)/],
  // The Admin API refusing the service account.
  [
    "403 on users (no view-users)",
    http("users", 403, { error: "unknown_error" }),
    "fatal",
    /^the client's service account may not list users \(users endpoint, HTTP 403: unknown_error\): give it the realm-management role view-users/,
  ],
  ["403 on users/count", http("count", 403, { error: "unknown_error" }), "fatal", /may not list users.*view-users/],
  [
    "a second 401 after a fresh token",
    http("users", 401, { error: "HTTP 401 Unauthorized" }).withFreshToken(),
    "fatal",
    /^Keycloak refused a freshly issued admin token \(users endpoint, HTTP 401: HTTP 401 Unauthorized, twice\): check that KEYCLOAK_URL is the address/,
  ],
  [
    "a 401 not yet retried",
    http("count", 401, { error: "HTTP 401 Unauthorized" }),
    "fatal",
    /refused the admin token \(users\/count endpoint/,
  ],
  [
    "any other 4xx from the Admin API",
    http("users", 400, { error: "invalid_request" }),
    "fatal",
    /rejected the request \(users endpoint, HTTP 400: invalid_request\)/,
  ],
  [
    "a redirect (http:// to https://)",
    http("token", 301, { bodyKind: "html", redirectTo: "https://sso.example.org" }),
    "fatal",
    /redirect to https:\/\/sso\.example\.org.*set KEYCLOAK_URL to the address it redirects to/,
  ],
  // Answers that are not the documented JSON.
  [
    "HTML with 200 (a proxy's sign-in page)",
    new KeycloakAnswerError("users", "HTML"),
    "fatal",
    /users endpoint answered with HTML, not the documented JSON/,
  ],
  [
    "text that is not JSON",
    new KeycloakAnswerError("token", "text that is not JSON"),
    "fatal",
    /token endpoint answered with text that is not JSON/,
  ],
  [
    "JSON of the wrong shape",
    new KeycloakAnswerError("users", "an unexpected shape ([0].enabled: expected boolean)"),
    "fatal",
    /unexpected shape \(\[0\]\.enabled.*KEYCLOAK_URL reaches Keycloak itself/,
  ],
  ["a count that is not a number", new KeycloakAnswerError("count", "an unexpected shape"), "fatal", /users\/count endpoint answered/],
  // TLS and protocol: configuration, not the weather.
  [
    "an expired certificate",
    networkError("CERT_HAS_EXPIRED"),
    "fatal",
    /TLS certificate was not accepted \(CERT_HAS_EXPIRED\).*NODE_EXTRA_CA_CERTS/,
  ],
  ["the trust's own CA, not given to Node", networkError("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"), "fatal", /NODE_EXTRA_CA_CERTS/],
  ["a self-signed certificate", networkError("DEPTH_ZERO_SELF_SIGNED_CERT"), "fatal", /TLS certificate was not accepted/],
  ["a certificate for another host", networkError("ERR_TLS_CERT_ALTNAME_INVALID"), "fatal", /KEYCLOAK_URL's host name/],
  [
    "https:// to a plain HTTP port",
    networkError("EPROTO", "wrong version number"),
    "fatal",
    /protocol its scheme says.*EPROTO.*http:\/\/ or https:\/\//,
  ],
  ["http:// to something that is not HTTP", networkError("HPE_INVALID_CONSTANT", "Parse Error"), "fatal", /HPE_INVALID_CONSTANT/],
  // Bugs are never skips.
  [
    "a TypeError from our own code",
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    "fatal",
    /^unexpected error \(TypeError: .*\): this is a bug$/,
  ],
  ["an unknown network code", networkError("ESOMETHINGNEW"), "fatal", /this is a bug/],
  ["a thrown string", "boom", "fatal", /^unexpected error \(boom\): this is a bug$/],
  ["undefined", undefined, "fatal", /bug/],
  [
    "our own abort (the seed stopping), not the network",
    new DOMException("This operation was aborted", "AbortError"),
    "fatal",
    /AbortError.*bug/,
  ],
];

describe("classifyKeycloakError", () => {
  it.each(TABLE)("%s is %s", (_label, error, category, reason) => {
    const classification = classifyKeycloakError(error);
    expect(classification.category).toBe(category);
    expect(classification.reason).toMatch(reason);
  });

  it("asks only 429 to slow down", () => {
    const throttled = TABLE.filter(([, error]) => classifyKeycloakError(error).throttled === true).map(([label]) => label);
    expect(throttled).toEqual(["429 from the token endpoint", "429 from the users endpoint"]);
  });

  it("every fatal configuration line names what to set or check", () => {
    for (const [label, error, category] of TABLE) {
      const { reason } = classifyKeycloakError(error);
      if (category === "fatal" && !/bug$/.test(reason)) expect(reason, label).toMatch(/: (check|give|set)/);
    }
  });
});
