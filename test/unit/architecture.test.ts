/**
 * The layout's one rule, checked on every import in src/ (static, dynamic and
 * type-only alike): entry points → programs → domain → kernel, and a program
 * never reaches into another (docs/architecture.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");

const PROGRAMS = ["seed", "deploy", "doctor", "schema-engine", "dev"];
const DOMAIN = ["manifest", "directory", "database", "migrations"];

type Part = { layer: "main" | "library" | "program" | "domain" | "kernel" | "generated" | "types"; name: string };

function partOf(file: string): Part {
  const relative = path.relative(SRC, file).split(path.sep);
  const [top] = relative;
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

describe("the layout", () => {
  const files = sourceFiles(SRC);

  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("every import points one way: entry points → programs → domain → kernel, never from one program into another", () => {
    const violations = files.flatMap((file) =>
      imports(file)
        .filter((target) => !allowed(partOf(file), partOf(target)))
        .map((target) => `${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`),
    );
    expect(violations).toEqual([]);
  });

  it("would catch a program importing another", () => {
    expect(allowed(partOf(path.join(SRC, "deploy/deploy.ts")), partOf(path.join(SRC, "seed/cli/command.ts")))).toBe(false);
    expect(allowed(partOf(path.join(SRC, "shared/errors.ts")), partOf(path.join(SRC, "manifest/index.ts")))).toBe(false);
    expect(allowed(partOf(path.join(SRC, "main/deploy.ts")), partOf(path.join(SRC, "seed/cli/command.ts")))).toBe(true);
  });
});
