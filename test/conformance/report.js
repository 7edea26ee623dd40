import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { skipReasonOf, targetSettings, withoutSkipMark } from '../support/target-settings.js';

/**
 * A jest reporter for the conformance suite: one row per check, `file › describe › test`, with PASS,
 * FAIL (and the first line of why) or SKIPPED (and why, from the title's skip mark), under the target
 * it ran against. Rows are named the same whatever the target, so the reports of a deployment, the
 * local service and real API Gateway line up side by side. Writes `conformance-report.md` (or
 * CONFORMANCE_REPORT) and prints a summary.
 *
 * Plain JavaScript: jest loads reporters without the TypeScript transform.
 */
export default class ConformanceReport {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.startedAt = new Date();
  }

  onRunComplete(_contexts, results) {
    // In file order, whatever order the files ran in, so two reports compare line by line.
    const files = results.testResults
      .map((file) => ({ name: relative(this.rootDir, file.testFilePath), file }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const rows = files.flatMap(({ name, file }) => rowsOf(name, file));
    const counts = { PASS: 0, FAIL: 0, SKIPPED: 0 };
    for (const row of rows) counts[row.result]++;
    const header = headerLines(this.startedAt, counts);
    const path = resolve(this.rootDir, process.env.CONFORMANCE_REPORT || 'conformance-report.md');

    writeFileSync(
      path,
      [
        '# Conformance report',
        '',
        ...header.map((line) => `- ${line}`),
        '',
        '| check | result |',
        '|---|---|',
        ...rows.map((row) => `| ${cell(row.check)} | ${cell(outcome(row))} |`),
        '',
      ].join('\n'),
    );
    console.log(
      [
        '',
        'Conformance report',
        ...header.map((line) => `  ${line}`),
        ...rows.filter((row) => row.result === 'FAIL').map((row) => `  ${outcome(row)}  ${row.check}`),
        ...skipSummary(rows).map((line) => `  ${line}`),
        `  written to ${relative(process.cwd(), path) || path}`,
        '',
      ].join('\n'),
    );
  }
}

const rowsOf = (file, result) => {
  // A file that could not run at all (it did not compile, a hook outside any describe threw) is one failed row.
  if (result.testExecError !== undefined && result.testResults.length === 0) {
    return [{ check: `${file} › (the file)`, result: 'FAIL', detail: firstLine(result.testExecError.message) }];
  }
  return result.testResults.map((test) => {
    const titles = [...test.ancestorTitles, test.title];
    const check = [file, ...titles.map(withoutSkipMark)].join(' › ');
    if (test.status === 'passed') return { check, result: 'PASS' };
    if (test.status === 'failed') return { check, result: 'FAIL', detail: firstLine(test.failureMessages.join('\n')) };
    return { check, result: 'SKIPPED', detail: skipReasonOf(titles) ?? test.status };
  });
};

const headerLines = (startedAt, counts) => {
  const { url, local, signing, region } = targetSettings();
  return [
    `Target: ${local ? 'the local service, started in-process on an in-memory store' : url}`,
    `Signing: ${signing === 'none' ? 'none (no signature checked)' : `SigV4 for ${signing}, region ${region}`}`,
    `Date: ${startedAt.toISOString()}`,
    `Checks: ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.SKIPPED} skipped`,
  ];
};

/** Skipped checks by reason, with the files they are in: one line per reason. */
const skipSummary = (rows) => {
  const byReason = new Map();
  for (const row of rows.filter(({ result }) => result === 'SKIPPED')) {
    const seen = byReason.get(row.detail) ?? { count: 0, files: new Set() };
    seen.count++;
    seen.files.add(row.check.split(' › ')[0]);
    byReason.set(row.detail, seen);
  }
  return [...byReason].map(([reason, { count, files }]) => `SKIPPED ${count} (${reason}): ${[...files].join(', ')}`);
};

const outcome = ({ result, detail }) => (detail === undefined ? result : `${result} (${detail})`);

// eslint-disable-next-line no-control-regex
const firstLine = (text) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes begin with ESC
    .replace(/\u001b\[[0-9;]*m/g, '')
    .trim()
    .split('\n')[0]
    .slice(0, 200);

const cell = (text) => text.replaceAll('|', '\\|');
