import { fileURLToPath } from 'node:url';
import { lint, loadConfig } from '@redocly/openapi-core';

/**
 * api/openapi.yaml passes Redocly's `recommended-strict` rules (redocly.yaml at the repository root
 * says which are off, and why): no errors and, since strict makes every warning one, no warnings.
 */

const file = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

test('api/openapi.yaml lints clean with the rules in redocly.yaml', async () => {
  const config = await loadConfig({ configPath: file('../../redocly.yaml') });

  const problems = await lint({ ref: file('../../api/openapi.yaml'), config });

  const report = problems.map(
    ({ severity, ruleId, message, location }) => `${severity} ${ruleId}: ${message} at ${location[0]?.pointer ?? '?'}`,
  );
  expect(report).toEqual([]);
});
