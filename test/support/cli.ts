import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

/** How long one command may take, as a process or through the driver; then it is killed (exit code -1). */
const COMMAND_TIMEOUT_MS = 30_000;

/** `aws <args>` as its own process, as a shell runs it: never rejects, the exit code tells (-1 if killed). */
export const runCliProcess = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> =>
  new Promise<CliResult>((resolve) => {
    execFile(CLI, args, { env, timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as NodeJS.ErrnoException & { code?: unknown }).code;
      resolve({ exitCode: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });

/**
 * The interpreter and its arguments from the CLI's shebang line, when the CLI is a Python script (Debian's
 * is); `undefined` for any other CLI (the official installer's is a frozen binary), which then runs as a process.
 */
const pythonOfCli = (): string[] | undefined => {
  if (!cliPresent) return undefined;
  const [first] = readFileSync(CLI, 'latin1').slice(0, 200).split('\n');
  const words = first!.startsWith('#!') ? first!.slice(2).trim().split(/\s+/) : [];
  return words.some((word) => /(^|\/)python3?(\.\d+)?$/.test(word)) ? words : undefined;
};

/**
 * One Python process per suite that has imported the CLI's modules once and forks a child for each command,
 * which runs the CLI's own script with the command's arguments and environment (test/support/aws-cli-driver.py).
 * Python's start-up and botocore's imports were most of each command's second; the parsing, signing,
 * retries and output are still the CLI's own, in a process of its own. cli.test.ts holds its answers
 * equal to a process's for a success, a service error and a usage error.
 */
class CliDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(python: string[]) {
    // The environment of the driver's own start-up: a command's environment adds to it what the
    // interpreter and awscli's imports set (the driver refuses a command that would set those itself).
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const script = fileURLToPath(new URL('aws-cli-driver.py', import.meta.url));
    this.child = spawn(python[0]!, [...python.slice(1), script, CLI, JSON.stringify(env)], { env, stdio: 'pipe' });
    this.child.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    this.queue = this.next();
  }

  private async next(): Promise<Record<string, unknown>> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`the AWS CLI driver exited (${this.child.exitCode ?? this.child.signalCode})`);
    return JSON.parse(value) as Record<string, unknown>;
  }

  /** One command at a time: the driver answers in order. */
  run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
    const answer = this.queue.then(async () => {
      this.child.stdin.write(`${JSON.stringify({ args, env, timeoutMs: COMMAND_TIMEOUT_MS })}\n`);
      const { exitCode, stdout, stderr, refused } = await this.next();
      if (typeof refused === 'string') throw new Error(refused);
      return { exitCode: typeof exitCode === 'number' ? exitCode : -1, stdout, stderr } as CliResult;
    });
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  /** Ends the driver (it stops at the end of its input) and resolves once it has exited. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin.end();
    await exited;
  }
}

let driver: CliDriver | undefined;
const python = pythonOfCli();

// One driver per suite: started by its first command, ended with the suite.
afterAll(async () => {
  const ending = driver;
  driver = undefined;
  await ending?.close();
});

/** `aws <args>` with `env` and nothing else: through the suite's driver when the CLI is a Python script, else as a process. */
export const runCli = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> => {
  if (python === undefined) return runCliProcess(args, env);
  driver ??= new CliDriver(python);
  return driver.run(args, env);
};

/** The arguments `runAws` gives the CLI: the command's, then the target's endpoint, JSON output. */
const awsArgs = (target: ConformanceTarget, args: readonly string[]): string[] => [
  ...args,
  '--endpoint-url',
  target.url,
  '--output',
  'json',
];

/** What `runAws` records of a command's result: a certificate it generated is the target's to delete. */
const recorded = (target: ConformanceTarget, args: readonly string[], result: CliResult): CliResult => {
  if (args.includes('generate-client-certificate') && result.exitCode === 0) {
    target.madeCertificate((JSON.parse(result.stdout) as { clientCertificateId: string }).clientCertificateId);
  }
  return result;
};

/**
 * `aws <args> --endpoint-url <target> --output json`, signed as the target's caller even when nothing
 * checks signatures (the access key id then names the run's account); never rejects, the exit code tells.
 * A certificate it generates is the target's to delete.
 */
export const runAws = async (target: ConformanceTarget, ...args: string[]): Promise<CliResult> =>
  recorded(target, args, await runCli(awsArgs(target, args), await cliEnvironment(target)));

/** `runAws` as its own `aws` process: the binary itself, and the measure of the driver's faithfulness. */
export const runAwsProcess = async (target: ConformanceTarget, ...args: string[]): Promise<CliResult> =>
  recorded(target, args, await runCliProcess(awsArgs(target, args), await cliEnvironment(target)));

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
