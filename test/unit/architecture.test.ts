/**
 * The layout's one rule, checked on every import in src/ and dev/ (static,
 * dynamic and type-only alike): entry points → programs → domain → kernel, a
 * program never reaches into another, and nothing in src/ reaches out of it
 * (dev/, test/, bench/ are not shipped); dev/ uses src/ and itself only
 * (docs/architecture.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "src");
const DEV = path.join(ROOT, "dev");

const PROGRAMS = ["seed", "deploy", "doctor", "schema-engine"];
const DOMAIN = ["manifest", "directory", "database", "migrations"];

type Part = { layer: "main" | "library" | "program" | "domain" | "kernel" | "generated" | "types" | "outside"; name: string };

function partOf(file: string): Part {
  const relative = path.relative(SRC, file).split(path.sep);
  const [top] = relative;
  // Not shipped (dev/, test/, bench/, ...): no part of src/ may import it.
  if (top === "..") return { layer: "outside", name: path.relative(ROOT, file).split(path.sep)[0]! };
  if (relative.length === 1) return { layer: top === "index.ts" ? "library" : "kernel", name: top! };
  if (top === "main") return { layer: "main", name: top };
  if (top === "shared") return { layer: "kernel", name: top };
  if (top === "generated") return { layer: "generated", name: top };
  if (top === "types") return { layer: "types", name: top };
  if (PROGRAMS.includes(top!)) return { layer: "program", name: top! };
  if (DOMAIN.includes(top!)) return { layer: "domain", name: top! };
  throw new Error(`src/${relative.join("/")}: a folder docs/architecture.md does not name`);
}

/** Whether `from` may import `to`. */
function allowed(from: Part, to: Part): boolean {
  if (to.layer === "outside") return false;
  if (from.name === to.name || to.layer === "kernel" || to.layer === "types") return true;
  switch (from.layer) {
    case "main":
      return true;
    case "library":
      return to.layer !== "main";
    case "program":
      // The seed's applier takes Prisma's types; a program uses the domain, never another program.
      return to.layer === "domain" || (from.name === "seed" && to.layer === "generated");
    case "domain":
      return from.name === "database" && to.layer === "generated";
    default:
      return false;
  }
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const IMPORT = /(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

function imports(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(IMPORT)].map((match) =>
    path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, ".ts")),
  );
}

/** Whether a file in dev/ may import `target`: the local stack and demo use src/ (any part) and dev/, nothing else. */
function allowedFromDev(target: string): boolean {
  return [SRC, DEV].some((root) => !path.relative(root, target).startsWith(".."));
}

describe("the layout", () => {
  const files = sourceFiles(SRC);
  const devFiles = sourceFiles(DEV);

  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(devFiles.length).toBeGreaterThan(5);
  });

  it("every import points one way: entry points → programs → domain → kernel, never from one program into another", () => {
    const violations = files.flatMap((file) =>
      imports(file)
        .filter((target) => !allowed(partOf(file), partOf(target)))
        .map((target) => `${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`),
    );
    expect(violations).toEqual([]);
  });

  it("dev/ imports only src/ and dev/", () => {
    const violations = devFiles.flatMap((file) =>
      imports(file)
        .filter((target) => !allowedFromDev(target))
        .map((target) => `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`),
    );
    expect(violations).toEqual([]);
  });

  it("would catch src/ importing dev/, and dev/ importing test/", () => {
    expect(allowed(partOf(path.join(SRC, "seed/seed-main-users.ts")), partOf(path.join(DEV, "local-stack.ts")))).toBe(false);
    expect(allowed(partOf(path.join(SRC, "main/seed.ts")), partOf(path.join(ROOT, "test/support/stack.ts")))).toBe(false);
    expect(allowedFromDev(path.join(SRC, "shared/errors.ts"))).toBe(true);
    expect(allowedFromDev(path.join(ROOT, "test/support/stack.ts"))).toBe(false);
  });

  it("would catch a program importing another", () => {
    expect(allowed(partOf(path.join(SRC, "deploy/deploy.ts")), partOf(path.join(SRC, "seed/cli/command.ts")))).toBe(false);
    expect(allowed(partOf(path.join(SRC, "shared/errors.ts")), partOf(path.join(SRC, "manifest/index.ts")))).toBe(false);
    expect(allowed(partOf(path.join(SRC, "main/deploy.ts")), partOf(path.join(SRC, "seed/cli/command.ts")))).toBe(true);
  });
});
