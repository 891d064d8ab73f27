/**
 * A CSV manifest, for onboarding lists that come from spreadsheets:
 *
 *     email,name,organisation,role
 *     jane.doe@nhs.example,Jane Doe,"North Trust, Radiology",Researcher
 *
 * The header row is required and names exactly the four columns, in any order
 * (compared case-insensitively, surrounding spaces ignored). Every row then
 * goes through the same zod schema as a JSON entry, and every problem names
 * the row's line in the file (the header is line 1): `line 3: email: must not
 * contain a double quote (")`. Like the JSON problems, none quotes a cell.
 *
 * Parsing is csv-parse's: quoted fields (with commas, doubled quotes and line
 * breaks), CRLF, LF or CR line ends, a UTF-8 byte-order mark. A `"` inside a
 * field that is not quoted is kept as written (csv-parse's `relax_quotes`), so
 * it meets the field's own rule. Blank lines, and rows whose cells are all
 * empty (spreadsheets export those), are skipped.
 */
import { createRequire } from "node:module";

import type { CsvError } from "csv-parse/sync";
import type { z } from "zod";

import { plural } from "../shared/words.js";
import { ManifestError } from "./ManifestError.js";
import { describeIssue, describeKey, duplicateOf } from "./problems.js";
import { ManifestSchema, type ManifestEntry } from "./schema.js";

/** The columns a CSV manifest's header names, in the order a new file is best written. */
export const CSV_COLUMNS = ["email", "name", "organisation", "role"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** A record of the file and the line it starts on (1-based). */
interface Row {
  line: number;
  fields: string[];
}

/** One problem, held with its line so that all of them can be given in the file's order. */
interface Problem {
  line: number;
  text: string;
}

/** What a step of the reading found: its result, or the problems that end the parse. */
type Read<T> = { value: T } | { problems: Problem[] };

/**
 * The file's text. A spreadsheet saving "CSV" rather than "CSV UTF-8" writes
 * a legacy code page, whose accented letters would otherwise arrive as U+FFFD
 * and be stored that way.
 */
export function decodeCsv(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    const line = text.slice(0, Math.max(0, text.indexOf("\uFFFD"))).split(/\r\n?|\n/).length;
    throw new ManifestError([`manifest ${source}: line ${line}: not UTF-8 text; save the file as UTF-8 (in a spreadsheet: "CSV UTF-8")`]);
  }
}

function describeCsvError(error: CsvError): string {
  // csv-parse's own messages quote the text around the fault: only the code is used.
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return 'a quoted field is never closed (a " opens it and no " ends it)';
    default:
      return `not valid CSV (${error.code})`;
  }
}

/** csv-parse, loaded for a CSV manifest only: a JSON one (the shipped manifest, every boot) does not pay for it. */
function loadCsvParse(): typeof import("csv-parse/sync") {
  return createRequire(import.meta.url)("csv-parse/sync") as typeof import("csv-parse/sync");
}

/** Every record with the line it starts on; blank lines come through as a record of one empty field. */
function readRows(text: string): Read<Row[]> {
  const { CsvError, parse } = loadCsvParse();
  const rows: Row[] = [];
  let nextLine = 1;
  try {
    // Line ends made one kind first: csv-parse counts lines right for one kind, and a line break inside a
    // quoted field is a control character, which every column rejects whatever its kind.
    parse(text.replace(/\r\n?/g, "\n"), {
      bom: true,
      delimiter: ",",
      record_delimiter: "\n",
      relax_column_count: true,
      relax_quotes: true,
      on_record: (fields: string[], { lines }) => {
        rows.push({ line: nextLine, fields });
        nextLine = lines + 1;
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The record that failed starts on the line after the last one read; other faults are on the line csv-parse was at.
    const line = error.code === "CSV_QUOTE_NOT_CLOSED" || typeof error.lines !== "number" ? nextLine : error.lines;
    return { problems: [{ line, text: describeCsvError(error) }] };
  }
  return { value: rows };
}

const isBlank = (row: Row) => row.fields.every((field) => field === "");

/** Which field of a row holds each column, from the header; or the header's problems. */
function readHeader(header: Row | undefined): Read<Record<Column, number>> {
  const expected = `the first line must name the columns ${CSV_COLUMNS.join(",")} (in any order)`;
  if (header === undefined) return { problems: [{ line: 1, text: `missing header row: ${expected}` }] };
  const names = header.fields.map((field) => field.trim().toLowerCase());
  const known = (name: string): name is Column => (CSV_COLUMNS as readonly string[]).includes(name);
  const { line } = header;

  if (!names.some(known)) {
    const [only] = names;
    const separator =
      names.length === 1 && only !== undefined ? (only.includes(";") ? "semicolons" : only.includes("\t") ? "tabs" : "") : "";
    return {
      problems: [
        separator === ""
          ? { line, text: `missing header row: ${expected}` }
          : { line, text: `the columns are separated by ${separator}; a manifest's columns must be separated by commas` },
      ],
    };
  }

  const problems: Problem[] = [];
  const index: Partial<Record<Column, number>> = {};
  names.forEach((name, i) => {
    if (name === "") problems.push({ line, text: `column ${i + 1} has no name` });
    else if (!known(name)) problems.push({ line, text: `unknown column ${describeKey(header.fields[i]!.trim())}` });
    else if (index[name] !== undefined) problems.push({ line, text: `duplicate column ${name}` });
    else index[name] = i;
  });
  for (const column of CSV_COLUMNS) if (index[column] === undefined) problems.push({ line, text: `missing column ${column}` });
  if (problems.length > 0) return { problems };
  return { value: index as Record<Column, number> };
}

/** The records as the schema's entries, each with its line; a record of the wrong width is a problem instead. */
function toEntries(records: readonly Row[], columns: Record<Column, number>, width: number) {
  const problems: Problem[] = [];
  /** The line of each entry given to the schema. */
  const lines: number[] = [];
  const users: Record<Column, string>[] = [];
  for (const { line, fields } of records) {
    if (fields.length !== width) {
      problems.push({ line, text: `${plural(fields.length, "field")}, expected ${width}` });
      continue;
    }
    lines.push(line);
    users.push({
      email: fields[columns.email]!,
      name: fields[columns.name]!,
      organisation: fields[columns.organisation]!,
      role: fields[columns.role]!,
    });
  }
  return { users, lines, problems };
}

/** The schema's findings about the entries, each on the line of its row. */
function schemaProblems(issues: readonly z.core.$ZodIssue[], lines: readonly number[]): Problem[] {
  return issues.flatMap((issue) => {
    // Each issue is about an entry or one of its fields (`users[i].email`): the top level and the list are built here.
    const [, index, ...field] = issue.path;
    if (typeof index !== "number") return []; // `users` itself: only "at least one", when every row was malformed
    const first = duplicateOf(issue);
    const what =
      first === undefined ? describeIssue(issue) : `duplicates the email on line ${lines[first]} (emails are compared case-insensitively)`;
    return [{ line: lines[index]!, text: field.length > 0 ? `${field.join(".")}: ${what}` : what }];
  });
}

/** The entries, or every problem with its line. */
function read(text: string): { users: ManifestEntry[] } | { problems: Problem[] } {
  const everyRow = readRows(text);
  if ("problems" in everyRow) return everyRow;
  const rows = everyRow.value.filter((row) => !isBlank(row));
  const header = readHeader(rows[0]);
  if ("problems" in header) return header;
  const [headerRow, ...records] = rows as [Row, ...Row[]];

  const { users, lines, problems } = toEntries(records, header.value, headerRow.fields.length);
  if (users.length === 0 && problems.length === 0) {
    return { problems: [{ line: headerRow.line, text: "must list at least one user (no rows below the header)" }] };
  }
  const parsed = ManifestSchema.safeParse({ users }, { reportInput: true });
  if (parsed.success && problems.length === 0) return { users: parsed.data.users };
  problems.push(...schemaProblems(parsed.error?.issues ?? [], lines));
  // Stable: a row's problems stay in the schema's order (its fields', then a duplicate).
  return { problems: problems.sort((a, b) => a.line - b.line) };
}

/** Validates CSV manifest text; `source` (the file) starts every problem. */
export function parseCsvManifest(text: string, source: string): ManifestEntry[] {
  const result = read(text);
  if ("problems" in result) {
    throw new ManifestError(result.problems.map((problem) => `manifest ${source}: line ${problem.line}: ${problem.text}`));
  }
  return result.users;
}
