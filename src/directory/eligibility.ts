import { FatalDirectoryError } from "./FatalDirectoryError.js";
import type { DirectoryAccount, DirectoryAnswer, IneligibleReason } from "./identity-directory.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one rule for matching a manifest email to an account: as the user pool
 * compares emails. In a case-sensitive pool (Cognito's default for pools
 * created through the API) only the email exactly as written matches; in a
 * case-insensitive one, any case does. A filtered lookup lets Cognito apply
 * the rule; a scan applies it here, with the pool's own setting.
 */
export function emailKey(email: string, caseSensitive: boolean): string {
  return caseSensitive ? email : email.toLowerCase();
}

/**
 * Decides what the accounts listed for an email mean. Only an enabled account
 * with a verified email may receive a grant: otherwise whoever signs up first
 * with an admin's address would become admin.
 *
 * `caseSensitive` is the pool's rule ({@link emailKey}). A filtered lookup's
 * answer has been compared by Cognito already, by the pool's rule, so it is
 * checked here ignoring case only: what differs in more than case is never
 * this user.
 *
 * Throws `FatalDirectoryError`, naming the directory by `directoryName`, when
 * its answer makes no sense (an account without a UUID `sub`): that is a fault
 * to stop on, not a user to skip.
 */
export function lookupFromAccounts(
  email: string,
  accounts: readonly DirectoryAccount[],
  caseSensitive: boolean,
  directoryName: string,
): DirectoryAnswer {
  const wanted = emailKey(email, caseSensitive);
  const matching = accounts.filter((account) => account.email !== undefined && emailKey(account.email, caseSensitive) === wanted);
  if (matching.length === 0) return { status: "not_found" };

  const eligible = matching.filter((account) => account.enabled && account.emailVerified);
  if (eligible.length > 1) return { status: "ambiguous", matches: eligible.length };
  const [chosen] = eligible;
  if (chosen) {
    if (!chosen.sub || !UUID.test(chosen.sub)) {
      throw new FatalDirectoryError([`${directoryName}: the directory returned an account whose sub is not a UUID`]);
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
