/**
 * Which identity provider the seed resolves users in (IDENTITY_PROVIDER), and
 * Keycloak's own variables. Cognito's are in environment.ts, as before;
 * Keycloak's are required only when IDENTITY_PROVIDER=keycloak, and Cognito's
 * only when it is cognito (the default).
 */
import { z } from "zod";

import { Milliseconds } from "./milliseconds.js";

const IDENTITY_PROVIDERS = ["cognito", "keycloak"] as const;

export const IdentityProviderVariable = z.enum(IDENTITY_PROVIDERS, `must be ${IDENTITY_PROVIDERS.join(" or ")}`).default("cognito");

/** Keycloak's settings, as the directory takes them. Unset timeouts are the directory's own defaults (KEYCLOAK_DEFAULTS). */
export interface KeycloakSettings {
  baseUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  connectTimeoutMs: number | undefined;
  requestTimeoutMs: number | undefined;
}

/**
 * What is wrong with `value` as Keycloak's base URL, or undefined: the one
 * rule, read by the configuration and by createKeycloakDirectory alike.
 */
export function keycloakUrlProblem(value: string): string | undefined {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    return "must be an http:// or https:// URL";
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    return "must not carry credentials, a query or a fragment";
  }
  return undefined;
}

/** A name as Keycloak shows it: no space at either end (a pasted value's), no line break or other control character. */
const name = (required: string) =>
  z
    .string(`is required (${required})`)
    .refine((value) => value.trim() === value, "must not begin or end with a space")
    .refine((value) => !/\p{Cc}/u.test(value), "must not hold a control character");

/** Shorter secrets could not be scrubbed from logs (see logging.ts); Keycloak generates 32 characters. */
const MIN_CLIENT_SECRET_LENGTH = 8;

/** Keycloak's variables, checked when IDENTITY_PROVIDER=keycloak. */
export const KEYCLOAK_VARIABLES = {
  KEYCLOAK_URL: z.string("is required (Keycloak's address, e.g. https://sso.example.org)").superRefine((value, context) => {
    const problem = keycloakUrlProblem(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
  }),
  KEYCLOAK_REALM: name("the realm the platform's users are in, e.g. flip"),
  KEYCLOAK_CLIENT_ID: name("the id of the confidential client whose service account the seed uses, e.g. flip-db"),
  KEYCLOAK_CLIENT_SECRET: name("that client's secret, from its Credentials tab").refine(
    (value) => value.length >= MIN_CLIENT_SECRET_LENGTH,
    `must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (Keycloak generates 32)`,
  ),
  SEED_KEYCLOAK_CONNECT_TIMEOUT_MS: Milliseconds,
  SEED_KEYCLOAK_REQUEST_TIMEOUT_MS: Milliseconds,
};

type KeycloakVariables = z.output<z.ZodObject<typeof KEYCLOAK_VARIABLES>>;

export function keycloakSettings(e: KeycloakVariables): KeycloakSettings {
  return {
    baseUrl: e.KEYCLOAK_URL,
    realm: e.KEYCLOAK_REALM,
    clientId: e.KEYCLOAK_CLIENT_ID,
    clientSecret: e.KEYCLOAK_CLIENT_SECRET,
    connectTimeoutMs: e.SEED_KEYCLOAK_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: e.SEED_KEYCLOAK_REQUEST_TIMEOUT_MS,
  };
}
