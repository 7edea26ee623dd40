import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * docs/fidelity.md against the conformance suite: every check file is cited, every row says how sure
 * it is in the table's own words, and every source a row cites is one the table defines.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const table = readFileSync(`${root}docs/fidelity.md`, 'utf8');
const CONFIDENCE = /\b(recorded|documented|decided)\b/;

/** The cells of every row of a Markdown table under a `## ` heading, header and rule rows left out. */
const behaviourRows = (): string[][] =>
  table
    .split(/^## /m)
    .slice(1)
    .flatMap((section) =>
      section
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .slice(2),
    )
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );

/** The tags the Sources table defines (its first column; one row may define several). */
const sourceTags = new Set(
  [
    ...table.slice(table.indexOf('**Sources**'), table.indexOf('\n## ')).matchAll(/^\| ([A-Z][A-Z0-9-]*(?:, [A-Z][A-Z0-9-]*)*) \|/gm),
  ].flatMap((m) => m[1]!.split(', ')),
);

test('cites every conformance check file', () => {
  const files = readdirSync(`${root}test/conformance`).filter((f) => f.endsWith('.test.ts'));
  const cited = behaviourRows()
    .map((cells) => cells.at(-1)!)
    .join(' ');

  expect(files.length).toBeGreaterThan(5);
  expect(files.filter((f) => !new RegExp(`\\b${f.replace('.test.ts', '')}\\b`).test(cited))).toEqual([]);
});

test('every row names its confidence: recorded, documented or decided', () => {
  const rows = behaviourRows();

  expect(rows.length).toBeGreaterThan(40);
  expect(rows.filter((cells) => !CONFIDENCE.test(cells.at(-2)!)).map((cells) => cells[0])).toEqual([]);
});

test('every source tag a row cites is defined in the sources table', () => {
  // The source column is the third from the end; its tags are the words in capitals (HTTP API is a name).
  const cited = behaviourRows().flatMap(
    (cells) =>
      cells
        .at(-3)!
        .replaceAll('HTTP API', '')
        .match(/\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b/g) ?? [],
  );
  const tags = cited.filter((word) => word.length >= 4 && !['AWS', 'ARN', 'JSON', 'RSA'].includes(word));

  expect(sourceTags.size).toBeGreaterThan(15);
  expect(tags.length).toBeGreaterThan(30);
  expect([...new Set(tags.filter((tag) => !sourceTags.has(tag)))]).toEqual([]);
});
