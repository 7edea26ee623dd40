import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * docs/pytest: the fixture a Python team copies, run as they run it, by pytest with boto3, against
 * the command (here from the sources, on the project's Node).
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Why the fixture cannot be run here, or `undefined` when python3 has pytest and boto3. */
const missing = ((): string | undefined => {
  const probe = spawnSync('python3', ['-c', 'import pytest, boto3'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `python3 is not installed (${(probe.error as NodeJS.ErrnoException).code})`;
  return probe.status === 0 ? undefined : `python3 cannot import pytest and boto3 (${probe.stderr.trim().split('\n').at(-1)})`;
})();

if (missing === undefined) {
  test('the pytest fixture in docs/pytest starts the service, gives each test its namespace, and faults boto3 retries through', () => {
    const output = execFileSync('python3', ['-m', 'pytest', 'docs/pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        CLIENT_CERTIFICATE_API_COMMAND: `${process.execPath} --import tsx bin/local.ts`,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    expect(output).toMatch(/\b5 passed\b/);
  });
} else {
  test.skip(`the pytest fixture in docs/pytest: not run, ${missing}`, () => undefined);
}
