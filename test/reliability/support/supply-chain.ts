import type { TestContext } from "vitest";

import { count } from "./figures.js";

/** Records one supply-chain check in the figures before it is asserted, so a failure shows in the table too. */
export function check(context: TestContext, passed: boolean): void {
  count(context, "supply chain checks", 1, passed ? 1 : 0);
}
