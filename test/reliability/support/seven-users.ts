/**
 * The manifest the fault suites boot with: seven users, the three global
 * roles in turn, so a fault can hit one of them or all.
 */
import { entry } from "../../support/seed-fixture.js";

export const USERS = [
  "ada@example.org",
  "ben@example.org",
  "cy@example.org",
  "dee@example.org",
  "eve@example.org",
  "fay@example.org",
  "gus@example.org",
];

export const ENTRIES = USERS.map((email, i) => entry(email, (["Admin", "Researcher", "Viewer"] as const)[i % 3]));
