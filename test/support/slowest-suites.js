// A Jest reporter: the slowest suites of the run, listed before Jest's summary, so a slow test is seen the day it lands.
const SHOWN = 10;

export default class SlowestSuites {
  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .map((suite) => ({ path: suite.testFilePath.replace(`${process.cwd()}/`, ''), ms: suite.perfStats.end - suite.perfStats.start }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SHOWN);
    if (suites.length < 2) return;
    const lines = suites.map(({ path, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${path}`);
    process.stderr.write(`\nSlowest suites:\n${lines.join('\n')}\n\n`);
  }
}
