import { expect } from "vitest";

import { ManifestError } from "../../src/manifest/ManifestError.js";
import { parseManifest } from "../../src/manifest/index.js";

/** The problems `parseManifest` reports for `text` read as `source`; fails the test unless it throws a ManifestError. */
export function manifestProblems(text: string, source: string): readonly string[] {
  try {
    parseManifest(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).problems;
  }
  return expect.fail(`parseManifest accepted an invalid manifest (${source})`);
}
