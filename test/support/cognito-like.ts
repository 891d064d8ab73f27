/**
 * What the fault proxy adds in front of cognito-local to behave like Cognito
 * under its quotas, for measurements: a token bucket per quota category, and
 * ListUsers pages of at most 60 users with real PaginationTokens (cognito-local
 * ignores `Limit` and returns everything at once).
 */
import { randomUUID } from "node:crypto";

import { COGNITO_PROFILE } from "../../src/directory/cognito-directory.js";

const MAX_PAGE_SIZE = COGNITO_PROFILE.pageSize;

/** Cognito's quota categories for the actions the seed and its tools call. */
export const QUOTA_CATEGORY: Readonly<Record<string, string>> = {
  ListUsers: "UserList",
  ListUsersInGroup: "UserList",
  DescribeUserPool: "UserPoolRead",
  AdminGetUser: "UserRead",
};

/** A token bucket: `rate` tokens a second, holding at most `capacity` (one second's worth by default). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly capacity = rate,
    now = performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes a token if there is one. */
  take(now = performance.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface ListUsersRequest {
  UserPoolId?: string;
  Filter?: string;
  Limit?: number;
  PaginationToken?: string;
  AttributesToGet?: string[];
}

export interface Page {
  Users: unknown[];
  PaginationToken?: string;
}

/** The email a ListUsers filter `email = "<email>"` asks for, or undefined for any other filter. */
export function filteredEmail(filter: string | undefined): string | undefined {
  return filter === undefined ? undefined : /^email = "(.*)"$/s.exec(filter)?.[1];
}

/**
 * What a case-insensitive pool answers to `email = "<email>"`: every user
 * whose email is that one in any case. (cognito-local compares as written,
 * whatever the pool's setting.)
 */
export function withEmailIgnoringCase(users: readonly unknown[], email: string): unknown[] {
  const wanted = email.toLowerCase();
  return users.filter((user) => {
    const attributes = (user as { Attributes?: Array<{ Name?: string; Value?: string }> }).Attributes ?? [];
    return attributes.find((attribute) => attribute.Name === "email")?.Value?.toLowerCase() === wanted;
  });
}

interface Listing {
  query: string;
  users: unknown[];
}

/**
 * Serves ListUsers in pages. The first request of a listing fetches every
 * match from upstream once; its token names that listing and the next offset,
 * and is accepted only for the same pool, filter and attributes.
 */
export class Pager {
  private readonly listings = new Map<string, Listing>();

  constructor(private readonly fetchAll: (request: ListUsersRequest) => Promise<unknown[]>) {}

  static queryOf(request: ListUsersRequest): string {
    return JSON.stringify([request.UserPoolId, request.Filter ?? "", request.AttributesToGet ?? null]);
  }

  /** A page, or `undefined` for a token this pager did not hand out for this query. */
  async page(request: ListUsersRequest): Promise<Page | undefined> {
    const size = Math.min(request.Limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const query = Pager.queryOf(request);
    let id: string;
    let offset: number;
    if (request.PaginationToken === undefined) {
      id = randomUUID();
      offset = 0;
      this.listings.set(id, { query, users: await this.fetchAll(request) });
    } else {
      const decoded = decodeToken(request.PaginationToken);
      if (!decoded || this.listings.get(decoded.id)?.query !== query) return undefined;
      ({ id, offset } = decoded);
    }
    const listing = this.listings.get(id)!;
    const users = listing.users.slice(offset, offset + size);
    const next = offset + size;
    if (next >= listing.users.length) {
      this.listings.delete(id);
      return { Users: users };
    }
    return { Users: users, PaginationToken: Buffer.from(JSON.stringify({ id, offset: next })).toString("base64url") };
  }
}

function decodeToken(token: string): { id: string; offset: number } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { id?: unknown; offset?: unknown };
    return typeof value.id === "string" && typeof value.offset === "number" ? { id: value.id, offset: value.offset } : undefined;
  } catch {
    return undefined;
  }
}
