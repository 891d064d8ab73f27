/**
 * CSV manifests: a header row naming exactly email, name, organisation and
 * role (any order, any case), then one user a row, each held to the same rules
 * as a JSON entry, and every problem naming the line (the header is line 1).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CSV_COLUMNS, loadManifest, manifestFormatOf, parseManifest, type ManifestEntry } from "../../src/manifest/index.js";
import { manifestProblems } from "../support/manifest-problems.js";

const SOURCE = "users.csv";
const PREFIX = `manifest ${SOURCE}: `;
const HEADER = "email,name,organisation,role";

const alice: ManifestEntry = { email: "alice@example.com", name: "Alice Example", organisation: "Example NHS Trust", role: "Admin" };
const bob: ManifestEntry = { email: "bob@example.org", name: "Bob", organisation: "Example University", role: "Viewer" };
const ALICE_ROW = "alice@example.com,Alice Example,Example NHS Trust,Admin";
const BOB_ROW = "bob@example.org,Bob,Example University,Viewer";

/** CSV text of `lines`, each ended with a line feed. */
const csv = (...lines: string[]) => lines.map((line) => `${line}\n`).join("");

const problemsOf = (text: string) => manifestProblems(text, SOURCE);

describe("a valid CSV manifest", () => {
  it("gives the same entries as the equivalent JSON", () => {
    const entries: ManifestEntry[] = [
      alice,
      {
        email: "carol.o'neill+flip@nhs.example.org",
        name: 'Carol "CJ" O\'Neill',
        organisation: "North Trust, Radiology",
        role: "Researcher",
      },
      bob,
    ];
    const text = [
      // A spreadsheet's export: a byte-order mark, CRLF line ends, quoted fields with commas and doubled quotes, a blank last line.
      `\uFEFF${HEADER}`,
      ALICE_ROW,
      `carol.o'neill+flip@nhs.example.org,"Carol ""CJ"" O'Neill","North Trust, Radiology",Researcher`,
      BOB_ROW,
      "",
    ].join("\r\n");
    expect(parseManifest(text, SOURCE)).toEqual(parseManifest(JSON.stringify({ users: entries }), "users.json"));
    expect(parseManifest(text, SOURCE)).toEqual(entries);
  });

  it.each([
    ["columns in another order", csv("role,organisation,email,name", "Admin,Example NHS Trust,alice@example.com,Alice Example")],
    ["header names in another case, with spaces around them", csv(" Email ,NAME, Organisation,Role ", ALICE_ROW)],
    ["LF line ends and no final line end", `${HEADER}\n${ALICE_ROW}`],
    ["CR line ends", `${HEADER}\r${ALICE_ROW}\r`],
    ["blank lines and an all-empty row (as spreadsheets export) between and after the rows", csv(HEADER, "", ALICE_ROW, ",,,", "", "")],
    ["every field quoted", csv('"email","name","organisation","role"', '"alice@example.com","Alice Example","Example NHS Trust","Admin"')],
  ])("accepts %s", (_, text) => {
    expect(parseManifest(text, SOURCE)).toEqual([alice]);
  });

  it("keeps every cell as written: surrounding spaces in a name are the name's", () => {
    expect(parseManifest(csv(HEADER, "alice@example.com, Alice ,Example NHS Trust,Admin"), SOURCE)[0]?.name).toBe(" Alice ");
  });

  it("exports the four columns", () => {
    expect(CSV_COLUMNS).toEqual(["email", "name", "organisation", "role"]);
  });
});

describe("CSV problems, each in one line naming the line", () => {
  const EXPECTED = "the first line must name the columns email,name,organisation,role (in any order)";
  it.each([
    ["an empty file", "", [`line 1: missing header row: ${EXPECTED}`]],
    ["only blank lines", "\n\r\n\n", [`line 1: missing header row: ${EXPECTED}`]],
    ["no header (the first line is a user)", csv(ALICE_ROW, BOB_ROW), [`line 1: missing header row: ${EXPECTED}`]],
    [
      "a header separated by semicolons",
      csv("email;name;organisation;role", "alice@example.com;Alice;Trust;Admin"),
      ["line 1: the columns are separated by semicolons; a manifest's columns must be separated by commas"],
    ],
    ["a missing column", csv("email,name,organisation", "alice@example.com,Alice,Trust"), ["line 1: missing column role"]],
    ["an unknown column", csv(`${HEADER},phone`, `${ALICE_ROW},0123`), ['line 1: unknown column "phone"']],
    [
      "a misspelt column (unknown and missing)",
      csv("email,name,organization,role", ALICE_ROW),
      ['line 1: unknown column "organization"', "line 1: missing column organisation"],
    ],
    [
      "a duplicate column (and so one missing)",
      csv("email,name,Email,role", ALICE_ROW),
      ["line 1: duplicate column email", "line 1: missing column organisation"],
    ],
    ["a column without a name (a trailing comma)", csv(`${HEADER},`, `${ALICE_ROW},`), ["line 1: column 5 has no name"]],
    ["a header only", csv(HEADER), ["line 1: must list at least one user (no rows below the header)"]],
    ["a header and blank lines only", csv(HEADER, "", ",,,"), ["line 1: must list at least one user (no rows below the header)"]],
    ["a row with too few fields", csv(HEADER, ALICE_ROW, BOB_ROW, "carol@example.org,Carol,Trust"), ["line 4: 3 fields, expected 4"]],
    ["a row with too many fields", csv(HEADER, `${ALICE_ROW},extra`), ["line 2: 5 fields, expected 4"]],
    ["a row of one field", csv(HEADER, "alice@example.com"), ["line 2: 1 field, expected 4"]],
    [
      "an unterminated quote",
      csv(HEADER, ALICE_ROW, 'bob@example.org,"Bob,Example University,Viewer', "carol@example.org,Carol,Trust,Admin"),
      ['line 3: a quoted field is never closed (a " opens it and no " ends it)'],
    ],
    [
      "rows with the wrong number of fields and rows with bad values, in the file's order",
      csv(HEADER, "x,Alice,Trust,Admin", "bob@example.org,Bob", "carol@example.org,Carol,Trust,Boss"),
      [
        "line 2: email: must be a valid email address",
        "line 3: 2 fields, expected 4",
        "line 4: role: must be one of Admin, Researcher, Viewer",
      ],
    ],
  ])("%s", (_, text, problems) => {
    expect(problemsOf(text)).toEqual(problems.map((problem) => PREFIX + problem));
  });
});

describe("CSV rows: the JSON entry's rules, with the line", () => {
  it.each([
    ["an email with a double quote", 'al"ice@example.com,Alice,Trust,Admin', 'email: must not contain a double quote (")'],
    ["an email with a quoted double quote", '"al""ice@example.com",Alice,Trust,Admin', 'email: must not contain a double quote (")'],
    ["an email with a backslash", "al\\ice@example.com,Alice,Trust,Admin", "email: must not contain a backslash"],
    ["an email with a trailing space", "alice@example.com ,Alice,Trust,Admin", "email: must not contain whitespace"],
    ["an email with a line break (in quotes)", '"alice@example.com\n",Alice,Trust,Admin', "email: must not contain control characters"],
    ["an email without @", "alice.example.com,Alice,Trust,Admin", "email: must be a valid email address"],
    ["an empty email", ",Alice,Trust,Admin", "email: must be a valid email address"],
    ["an email of 255 characters", `${"a".repeat(243)}@example.com,Alice,Trust,Admin`, "email: must be at most 254 characters"],
    ["an empty name", "alice@example.com,,Trust,Admin", "name: must not be empty"],
    ["a whitespace-only organisation", "alice@example.com,Alice,   ,Admin", "organisation: must not be empty"],
    ["a name with a tab (in quotes)", 'alice@example.com,"Alice\tExample",Trust,Admin', "name: must not contain control characters"],
    ["an organisation of 256 emoji", `alice@example.com,Alice,${"😀".repeat(256)},Admin`, "organisation: must be at most 255 characters"],
    ["a role in the wrong case", "alice@example.com,Alice,Trust,admin", "role: must be one of Admin, Researcher, Viewer"],
    [
      "a role held per trust",
      "alice@example.com,Alice,Trust,Trust Admin",
      "role: Trust Admin is held per trust; the seed grants global roles only (Admin, Researcher or Viewer)",
    ],
    ["an empty role", "alice@example.com,Alice,Trust,", "role: must be one of Admin, Researcher, Viewer"],
  ])("rejects %s on line 3", (_, row, problem) => {
    expect(problemsOf(csv(HEADER, BOB_ROW, row))).toEqual([`${PREFIX}line 3: ${problem}`]);
  });

  it("names the column in the header's order, wherever it is", () => {
    expect(problemsOf(csv("role,email,name,organisation", "Admin,alice@example.com,,Trust"))).toEqual([
      `${PREFIX}line 2: name: must not be empty`,
    ]);
  });

  it("rejects emails that differ only in case, naming both lines", () => {
    expect(problemsOf(csv(HEADER, ALICE_ROW, BOB_ROW, "", "ALICE@Example.com,Alice Again,Trust,Viewer"))).toEqual([
      `${PREFIX}line 5: email: duplicates the email on line 2 (emails are compared case-insensitively)`,
    ]);
  });

  it("counts the lines a quoted line break spans and blank lines, so later rows keep their own line", () => {
    const text = csv(HEADER, 'alice@example.com,"Alice', 'Example",Trust,Admin', "", "bob@example.org,Bob,Trust,Boss");
    expect(problemsOf(text)).toEqual([
      `${PREFIX}line 2: name: must not contain control characters`,
      `${PREFIX}line 5: role: must be one of Admin, Researcher, Viewer`,
    ]);
  });

  it("counts CRLF line ends once, inside quotes too", () => {
    const text = [HEADER, '"alice@example.com\r\n",Alice,Trust,Admin', "bob@example.org,Bob,Trust,Boss", ""].join("\r\n");
    expect(problemsOf(text)).toEqual([
      `${PREFIX}line 2: email: must not contain control characters`,
      `${PREFIX}line 4: role: must be one of Admin, Researcher, Viewer`,
    ]);
  });
});

describe("CSV problems never quote an email", () => {
  const CAROL = "carol.manager@example.org";
  // Each case holds CAROL somewhere a naive message would repeat: a header cell, a bad cell, a duplicate, an unclosed quote.
  it.each([
    ["the first line is a user, not a header", csv(`${CAROL},Carol,Trust,Admin`)],
    ["an email as an extra column's name", csv(`${HEADER},${CAROL}`, `${ALICE_ROW},x`)],
    ["an email in the role column", csv(HEADER, `${CAROL},Carol,Trust,${CAROL}`)],
    ["an email with a quote", csv(HEADER, `${CAROL}",Carol,Trust,Admin`)],
    ["an email with a space", csv(HEADER, ` ${CAROL},Carol,Trust,Admin`)],
    ["a duplicate email", csv(HEADER, `${CAROL},Carol,Trust,Admin`, `${CAROL.toUpperCase()},Carol,Trust,Admin`)],
    ["a short row", csv(HEADER, `${CAROL},Carol`)],
    ["an unclosed quote before an email", csv(HEADER, `"${CAROL},Carol,Trust,Admin`)],
    ["a quote closed too early", csv(HEADER, `"carol"${CAROL.slice(5)},Carol,Trust,Admin`)],
  ])("%s", (_, text) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatch(/^manifest users\.csv: line \d+: /);
      expect(problem.toLowerCase()).not.toContain("carol.manager");
      expect(problem.toLowerCase()).not.toContain("example.org");
    }
  });
});

describe("which files are CSV", () => {
  it.each([
    ["users.csv", "csv"],
    ["prisma/Onboarding List.CSV", "csv"],
    ["users.Csv", "csv"],
    ["prisma/seed-users.json", "json"],
    ["users.csv.json", "json"],
    ["users", "json"],
  ])("%s is %s", (file, format) => {
    expect(manifestFormatOf(file)).toBe(format);
  });

  it("parseManifest reads text as the format its source's name says, or the one given", () => {
    const text = csv(HEADER, ALICE_ROW);
    expect(parseManifest(text, "list.CSV")).toEqual([alice]);
    expect(() => parseManifest(text, "list.json")).toThrow(/not valid JSON/);
    expect(parseManifest(text, "stdin", "csv")).toEqual([alice]);
    expect(parseManifest(JSON.stringify({ users: [alice] }), "list.csv", "json")).toEqual([alice]);
  });
});

describe("loadManifest with a CSV file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "flip-db-manifest-csv-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("reads a .CSV file as CSV", async () => {
    const file = path.join(directory, "Users.CSV");
    await writeFile(file, `\uFEFF${[HEADER, ALICE_ROW, BOB_ROW, ""].join("\r\n")}`);
    await expect(loadManifest(file)).resolves.toEqual([alice, bob]);
  });

  it("names the file and the line in each problem", async () => {
    const file = path.join(directory, "bad.csv");
    await writeFile(file, csv(HEADER, ALICE_ROW, "bob@example.org,Bob,Trust,Root"));
    await expect(loadManifest(file)).rejects.toMatchObject({
      problems: [`manifest ${file}: line 3: role: must be one of Admin, Researcher, Viewer`],
    });
  });

  it('rejects a file that is not UTF-8 (a spreadsheet\'s plain "CSV"), naming the first such line', async () => {
    const file = path.join(directory, "latin1.csv");
    // "Zoë" in Windows-1252: the ë is the single byte 0xEB, not valid UTF-8.
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(csv(HEADER, ALICE_ROW, BOB_ROW)),
        Buffer.from("zoe@example.com,Zo"),
        Buffer.from([0xeb]),
        Buffer.from(",Trust,Admin\n"),
      ]),
    );
    await expect(loadManifest(file)).rejects.toMatchObject({
      problems: [`manifest ${file}: line 4: not UTF-8 text; save the file as UTF-8 (in a spreadsheet: "CSV UTF-8")`],
    });
  });

  it("reports a missing CSV file like a missing JSON one", async () => {
    const file = path.join(directory, "absent.csv");
    await expect(loadManifest(file)).rejects.toMatchObject({
      problems: [`manifest ${file}: cannot be read (file not found); set SEED_USERS_FILE or --users`],
    });
  });
});
