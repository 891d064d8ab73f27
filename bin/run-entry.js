// Runs one of the package's entry points: the compiled one when `npm run build`
// has made it (production images need no TypeScript tooling), otherwise the
// TypeScript source through tsx.
import { existsSync } from "node:fs";

/** `entry` is a path under the package root without extension, e.g. "src/schema-engine/main". */
export async function runEntry(entry) {
  const compiled = new URL(`../dist/${entry}.js`, import.meta.url);
  if (existsSync(compiled)) {
    await import(compiled.href);
    return;
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL(`../${entry}.ts`, import.meta.url).href);
}
