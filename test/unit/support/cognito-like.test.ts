import { describe, expect, it } from "vitest";

import { COGNITO_PROFILE } from "../../../src/directory/cognito-directory.js";
import { filteredEmail, Pager, TokenBucket, withEmailIgnoringCase } from "../../support/cognito-like.js";

const MAX_PAGE_SIZE = COGNITO_PROFILE.pageSize;

describe("TokenBucket", () => {
  it("allows a second's worth at once, then refills at the rate", () => {
    const bucket = new TokenBucket(30, 30, 0);
    const taken = Array.from({ length: 31 }, () => bucket.take(0));
    expect(taken.filter(Boolean)).toHaveLength(30);
    expect(bucket.take(10)).toBe(false);
    // 1/30 s later, one more token.
    expect(bucket.take(34)).toBe(true);
    expect(bucket.take(34)).toBe(false);
  });

  it("never holds more than its capacity", () => {
    const bucket = new TokenBucket(10, 10, 0);
    const taken = Array.from({ length: 20 }, () => bucket.take(60_000));
    expect(taken.filter(Boolean)).toHaveLength(10);
  });
});

describe("Pager", () => {
  const users = Array.from({ length: 130 }, (_, i) => ({ Username: `u${i}` }));

  it("fetches a listing once and serves it in pages of 60 with honest tokens", async () => {
    let fetched = 0;
    const pager = new Pager(async () => {
      fetched += 1;
      return users;
    });
    const request = { UserPoolId: "p", AttributesToGet: ["sub"] };
    const first = await pager.page(request);
    const second = await pager.page({ ...request, PaginationToken: first!.PaginationToken });
    const third = await pager.page({ ...request, PaginationToken: second!.PaginationToken });
    expect([first, second, third].map((page) => page!.Users.length)).toEqual([MAX_PAGE_SIZE, MAX_PAGE_SIZE, 10]);
    expect(third!.PaginationToken).toBeUndefined();
    expect([...first!.Users, ...second!.Users, ...third!.Users]).toEqual(users);
    expect(fetched).toBe(1);
  });

  it("honours a smaller Limit, and never more than 60", async () => {
    const pager = new Pager(async () => users);
    expect((await pager.page({ UserPoolId: "p", Limit: 5 }))!.Users).toHaveLength(5);
    expect((await pager.page({ UserPoolId: "p", Limit: 500 }))!.Users).toHaveLength(60);
  });

  it("refuses a token for another query, an unknown one, or a spent one", async () => {
    const pager = new Pager(async () => users);
    const first = await pager.page({ UserPoolId: "p" });
    expect(await pager.page({ UserPoolId: "other", PaginationToken: first!.PaginationToken })).toBeUndefined();
    expect(await pager.page({ UserPoolId: "p", PaginationToken: "garbage" })).toBeUndefined();
    const second = await pager.page({ UserPoolId: "p", PaginationToken: first!.PaginationToken });
    const last = await pager.page({ UserPoolId: "p", PaginationToken: second!.PaginationToken });
    expect(last!.PaginationToken).toBeUndefined();
    // The listing is forgotten once served to its end.
    expect(await pager.page({ UserPoolId: "p", PaginationToken: second!.PaginationToken })).toBeUndefined();
  });
});

describe("a case-insensitive pool's email filter", () => {
  const user = (email: string | undefined) => ({
    Username: String(email),
    Attributes: email === undefined ? [] : [{ Name: "email", Value: email }],
  });

  it("reads the email of the seed's filter, and nothing from any other", () => {
    expect(filteredEmail('email = "Alice@Example.org"')).toBe("Alice@Example.org");
    expect(filteredEmail('email ^= "alice"')).toBeUndefined();
    expect(filteredEmail(undefined)).toBeUndefined();
  });

  it("keeps the users whose email is that one in any case", () => {
    const users = [user("alice@example.org"), user("ALICE@EXAMPLE.ORG"), user("alice@example.com"), user(undefined)];
    expect(withEmailIgnoringCase(users, "Alice@Example.org")).toEqual([users[0], users[1]]);
  });
});
