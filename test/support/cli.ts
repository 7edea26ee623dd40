import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ConformanceTarget } from './target.js';
import { settings } from './target.js';
import { skipMark } from './target-settings.js';

/**
 * Running the real AWS CLI v2 against the conformance target, shared by the CLI conformance tests.
 * Debian's CLI v2 is /usr/bin/aws; an older v1 may shadow it on PATH, so the path is explicit
 * (override with AWS_CLI).
 */
export const CLI = process.env.AWS_CLI || '/usr/bin/aws';
export const cliPresent = existsSync(CLI);

/**
 * Why the CLI checks cannot run against this target, or `undefined` when they can. The CLI signs
 * `aws apigateway` commands for the service `apigateway` and nothing else: it can call the local
 * service, real API Gateway, or a deployment with IAM authorization off, but a
 * deployment with it on wants `execute-api` signatures.
 * In CI a missing CLI fails the run: the tests run and fail, and "AWS CLI availability" in
 * cli.test.ts says why. Elsewhere they are skipped, loudly.
 */
export const cliSkipReason: string | undefined =
  settings.signing === 'execute-api'
    ? 'the AWS CLI signs apigateway commands for apigateway only, the target wants execute-api signatures'
    : !cliPresent && !process.env.CI
      ? `no AWS CLI at ${CLI}`
      : undefined;

if (!cliPresent && !process.env.CI) {
  console.warn(
    `\n!!! AWS CLI not found at ${CLI}: the CLI conformance tests are SKIPPED.\n` +
      '!!! Install it (apt-get install -y awscli) or set AWS_CLI to a v2 CLI to run them.\n',
  );
}

/** `describe` when the CLI can run against the target (or under CI, where a missing CLI must fail rather than vanish). */
export const describeIfCli = (name: string, fn: () => void): void =>
  cliSkipReason === undefined ? describe(name, fn) : describe.skip(`${name}${skipMark(cliSkipReason)}`, fn);

/** `test` when the CLI can run against the target: see `describeIfCli`. */
export const testIfCli = (name: string, fn: () => Promise<void>): void =>
  cliSkipReason === undefined ? test(name, fn) : test.skip(`${name}${skipMark(cliSkipReason)}`, fn);

/**
 * A clean environment: no profile, no pager, the target's region, and the target's credentials
 * (resolved by the SDK's chain for a URL, so the CLI signs as the same caller). AWS_MAX_ATTEMPTS is
 * deliberately unset: with it at 1 the CLI adds " (reached max retries: 0)" to every error line,
 * and the default standard retry mode never retries the 4xx answers the tests provoke anyway.
 * The empty config also pins cli_timestamp_format to its v2 default, iso8601.
 */
const cliEnvironment = async (target: ConformanceTarget): Promise<NodeJS.ProcessEnv> => {
  const { accessKeyId, secretAccessKey, sessionToken } = await target.credentials();
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    ...(sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: sessionToken }),
    AWS_DEFAULT_REGION: target.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_RETRY_MODE: 'standard',
  };
};

/** The environment of `aws --version`: nothing from the caller's configuration. */
const VERSION_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null' };

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the CLI exits with when the service answered an error. */
export const SERVICE_ERROR_EXIT = 254;

/** ISO 8601 as the CLI v2 prints timestamps by default: `2026-11-27T13:35:13+00:00`. */
export const CLI_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

/**
 * `aws <args> --endpoint-url <target> --output json`, signed as the target's caller even when nothing
 * checks signatures (the access key id then names the run's account); never rejects, the exit code tells. A certificate it generates is the target's to delete.
 */
export const runAws = async (target: ConformanceTarget, ...args: string[]): Promise<CliResult> => {
  const env = await cliEnvironment(target);
  const result = await new Promise<CliResult>((resolve) => {
    execFile(CLI, [...args, '--endpoint-url', target.url, '--output', 'json'], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as NodeJS.ErrnoException & { code?: unknown }).code;
      resolve({ exitCode: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
  if (args.includes('generate-client-certificate') && result.exitCode === 0) {
    target.madeCertificate((JSON.parse(result.stdout) as { clientCertificateId: string }).clientCertificateId);
  }
  return result;
};

/** `aws --version`'s first line. */
export const cliVersion = (): Promise<string> =>
  new Promise<string>((resolve, reject) =>
    execFile(CLI, ['--version'], { env: VERSION_ENV }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );

/** Parses the JSON the CLI printed, failing with its stderr if it did not succeed. */
export const output = (result: CliResult): Record<string, unknown> => {
  if (result.exitCode !== 0) throw new Error(`aws exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
};

/** The one line the CLI prints on stderr for a service error. */
export const errorLine = (type: string, operation: string, message: string): string =>
  `An error occurred (${type}) when calling the ${operation} operation: ${message}`;
