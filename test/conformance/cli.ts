import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Running the real AWS CLI v2 against the local service, shared by the CLI conformance tests.
 * Debian's CLI v2 is /usr/bin/aws; an older v1 may shadow it on PATH, so the path is explicit
 * (override with AWS_CLI).
 */
export const CLI = process.env.AWS_CLI || '/usr/bin/aws';
export const cliPresent = existsSync(CLI);

// In CI a missing CLI fails the run: the tests run and fail, and "AWS CLI availability" in
// cli.test.ts says why. Elsewhere they are skipped, loudly.
if (!cliPresent && !process.env.CI) {
  console.warn(
    `\n!!! AWS CLI not found at ${CLI}: the CLI conformance tests are SKIPPED.\n` +
      '!!! Install it (apt-get install -y awscli) or set AWS_CLI to a v2 CLI to run them.\n',
  );
}

/** `describe` when the CLI can run, or under CI, where a missing CLI must fail rather than vanish. */
export const describeIfCli = cliPresent || process.env.CI ? describe : describe.skip;

/**
 * A clean environment: no profile, no pager, dummy credentials. AWS_MAX_ATTEMPTS is deliberately
 * unset: with it at 1 the CLI adds " (reached max retries: 0)" to every error line, and the default
 * standard retry mode never retries the 4xx answers the tests provoke anyway.
 * The empty config also pins cli_timestamp_format to its v2 default, iso8601.
 */
export const CLI_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
  AWS_RETRY_MODE: 'standard',
};

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the CLI exits with when the service answered an error. */
export const SERVICE_ERROR_EXIT = 254;

/** ISO 8601 as the CLI v2 prints timestamps by default: `2026-11-27T13:35:13+00:00`. */
export const CLI_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

/** `aws <args> --endpoint-url <endpoint> --output json`; never rejects, the exit code tells. */
export const runAws = (endpoint: string, ...args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      CLI,
      [...args, '--endpoint-url', endpoint, '--output', 'json'],
      { env: CLI_ENV, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as NodeJS.ErrnoException & { code?: unknown }).code;
        resolve({ exitCode: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });

/** `aws --version`'s first line. */
export const cliVersion = (): Promise<string> =>
  new Promise<string>((resolve, reject) =>
    execFile(CLI, ['--version'], { env: CLI_ENV }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );

/** Parses the JSON the CLI printed, failing with its stderr if it did not succeed. */
export const output = (result: CliResult): Record<string, unknown> => {
  if (result.exitCode !== 0) throw new Error(`aws exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
};

/** The one line the CLI prints on stderr for a service error. */
export const errorLine = (type: string, operation: string, message: string): string =>
  `An error occurred (${type}) when calling the ${operation} operation: ${message}`;
