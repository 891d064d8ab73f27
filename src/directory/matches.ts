import type { DirectoryAccount, IneligibleReason, Lookup } from "./identity-directory.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Decides what the accounts listed for an email mean. Only an enabled account
 * with a verified email may receive a grant: otherwise whoever signs up first
 * with an admin's address would become admin.
 *
 * Throws when the directory's answer makes no sense (an account without a
 * UUID `sub`): that is a fault to stop on, not a user to skip.
 */
export function lookupFromAccounts(email: string, accounts: readonly DirectoryAccount[]): Lookup {
  // The filter asks for this email; anything else is not this user. Email
  // case is not significant in practice, and Cognito may store it differently.
  const wanted = email.toLowerCase();
  const matching = accounts.filter((account) => account.email?.toLowerCase() === wanted);
  if (matching.length === 0) return { status: "not_found" };

  const eligible = matching.filter((account) => account.enabled && account.emailVerified);
  if (eligible.length > 1) return { status: "ambiguous", matches: eligible.length };
  const [chosen] = eligible;
  if (chosen) {
    if (!chosen.sub || !UUID.test(chosen.sub)) {
      throw new Error("the directory returned an account whose sub is not a UUID");
    }
    return { status: "resolved", sub: chosen.sub.toLowerCase() };
  }
  return { status: "ineligible", reason: ineligibleReason(matching) };
}

function ineligibleReason(accounts: readonly DirectoryAccount[]): IneligibleReason {
  const disabled = accounts.some((account) => !account.enabled);
  const unverified = accounts.some((account) => !account.emailVerified);
  if (disabled && unverified) return "account disabled and email not verified";
  return disabled ? "account disabled" : "email not verified";
}
