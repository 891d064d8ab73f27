/**
 * The README and the docs/ pages link each other: every relative link must
 * name a file that exists and, where it has one, an anchor that one of that
 * file's headings makes (GitHub's slugs, by github-slugger). The README stays
 * short: everything else lives in docs/.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";

import { ROOT } from "../support/commands.js";

const PAGES = [
  "README.md",
  "CHANGELOG.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
const README_MAX_LINES = 250;

/** Markdown without its fenced code blocks, where a `](` is code, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** The anchors a page's headings make, as GitHub makes them. */
function anchorsOf(page: string): Set<string> {
  const slugger = new GithubSlugger();
  const headings = [...prose(readFileSync(path.join(ROOT, page), "utf8")).matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]!);
  return new Set(headings.map((heading) => slugger.slug(heading.replace(/`/g, ""))));
}

/** Every relative link of a page: `[text](target)` where the target is no URL. */
function relativeLinks(page: string): string[] {
  const links = [...prose(readFileSync(path.join(ROOT, page), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return links.filter((target) => !/^[a-z]+:/i.test(target));
}

/** What is wrong with one link of `page`, or nothing. */
function brokenLink(page: string, target: string): string | undefined {
  const [file = "", anchor] = target.split("#");
  const linked = file === "" ? page : path.normalize(path.join(path.dirname(page), file));
  if (!existsSync(path.join(ROOT, linked))) return `${page}: ${target}: no file ${linked}`;
  if (anchor !== undefined && linked.endsWith(".md") && !anchorsOf(linked).has(anchor))
    return `${page}: ${target}: no heading makes #${anchor}`;
  return undefined;
}

describe("the documentation's links", () => {
  it.each(PAGES)("every relative link of %s names a file and a heading that exist", (page) => {
    const broken = relativeLinks(page).flatMap((target) => brokenLink(page, target) ?? []);
    expect(broken).toEqual([]);
  });

  it("finds a broken file and a broken anchor (the check itself)", () => {
    expect(brokenLink("README.md", "docs/no-such-page.md")).toBe("README.md: docs/no-such-page.md: no file docs/no-such-page.md");
    expect(brokenLink("README.md", "docs/tls.md#no-such-heading")).toBe(
      "README.md: docs/tls.md#no-such-heading: no heading makes #no-such-heading",
    );
    expect(brokenLink("README.md", "#what-is-public")).toBeUndefined();
  });

  it(`keeps the README at most ${README_MAX_LINES} lines`, () => {
    expect(readFileSync(path.join(ROOT, "README.md"), "utf8").split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
