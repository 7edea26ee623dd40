import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { LocalService } from '../../lib/local/service.js';
import { startTestService } from '../support/service.js';

/**
 * The real AWS CLI v2 against the local service. Debian's CLI v2 is /usr/bin/aws; an older v1 may
 * shadow it on PATH, so the path is explicit (override with AWS_CLI).
 */
const CLI = process.env.AWS_CLI || '/usr/bin/aws';
const cliPresent = existsSync(CLI);

// In CI a missing CLI fails the run (see "AWS CLI availability"); elsewhere it is skipped, loudly.
if (!cliPresent && !process.env.CI) {
  console.warn(
    `\n!!! AWS CLI not found at ${CLI}: the CLI conformance tests are SKIPPED.\n` +
      '!!! Install it (apt-get install -y awscli) or set AWS_CLI to a v2 CLI to run them.\n',
  );
}

const describeIfCli = cliPresent ? describe : describe.skip;

/**
 * A clean environment: no profile, no pager, dummy credentials. AWS_MAX_ATTEMPTS is deliberately
 * unset: with it at 1 the CLI adds " (reached max retries: 0)" to every error line, and the default
 * standard retry mode never retries the 4xx answers this file provokes anyway.
 * The empty config also pins cli_timestamp_format to its v2 default, iso8601.
 */
const CLI_ENV: NodeJS.ProcessEnv = {
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

interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** ISO 8601 as the CLI v2 prints timestamps by default: `2026-11-27T13:35:13+00:00`. */
const CLI_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

let service: LocalService;

const aws = (...args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      CLI,
      [...args, '--endpoint-url', service.url, '--output', 'json'],
      { env: CLI_ENV, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as NodeJS.ErrnoException & { code?: unknown }).code;
        resolve({ exitCode: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });

/** Parses the JSON the CLI printed, failing with its stderr if it did not succeed. */
const output = (result: CliResult): Record<string, unknown> => {
  if (result.exitCode !== 0) throw new Error(`aws exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

const errorLine = (type: string, operation: string, message: string): string =>
  `An error occurred (${type}) when calling the ${operation} operation: ${message}`;

describe('AWS CLI availability', () => {
  const requireCli = cliPresent || process.env.CI ? test : test.skip;

  requireCli(`the AWS CLI v2 is installed at ${CLI}`, async () => {
    expect(existsSync(CLI)).toBe(true);
    const version = await new Promise<string>((resolve, reject) =>
      execFile(CLI, ['--version'], { env: CLI_ENV }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(version).toMatch(/^aws-cli\/2\./);
  });
});

describeIfCli('AWS CLI v2 apigateway client certificate commands', () => {
  let generated: Record<string, unknown>;
  let id: string;

  beforeAll(async () => {
    service = await startTestService();
    generated = output(await aws('apigateway', 'generate-client-certificate', '--description', 'made by the CLI'));
    id = generated.clientCertificateId as string;
  });

  afterAll(async () => {
    await service?.close();
  });

  test('generate-client-certificate prints the new certificate, dates as ISO 8601 UTC a year apart', async () => {
    const raw = (await (await fetch(`${service.url}/clientcertificates/${id}`)).json()) as Record<string, number>;

    expect(id).toMatch(/^[a-z0-9]{6}$/);
    expect(generated.description).toBe('made by the CLI');
    expect(generated.tags).toEqual({});
    expect(generated.pemEncodedCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\r\n[\s\S]+\r\n-----END CERTIFICATE-----$/);
    expect(generated.createdDate).toMatch(CLI_TIMESTAMP);
    expect(generated.expirationDate).toMatch(CLI_TIMESTAMP);
    expect(Date.parse(generated.createdDate as string)).toBe(raw.createdDate! * 1000);
    expect(Date.parse(generated.expirationDate as string)).toBe(raw.expirationDate! * 1000);
  });

  test('get-client-certificate prints the same certificate', async () => {
    const result = output(await aws('apigateway', 'get-client-certificate', '--client-certificate-id', id));

    expect(result).toEqual(generated);
  });

  test('update-client-certificate replaces the description and prints the updated certificate', async () => {
    const result = output(
      await aws(
        'apigateway',
        'update-client-certificate',
        '--client-certificate-id',
        id,
        '--patch-operations',
        'op=replace,path=/description,value=renamed by the CLI',
      ),
    );

    expect(result).toEqual({ ...generated, description: 'renamed by the CLI' });
  });

  test('an unknown id exits 254 with NotFoundException', async () => {
    const result = await aws(
      'apigateway',
      'update-client-certificate',
      '--client-certificate-id',
      'zzzzzz',
      '--patch-operations',
      'op=replace,path=/description,value=x',
    );

    expect(result.exitCode).toBe(254);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      errorLine('NotFoundException', 'UpdateClientCertificate', 'Invalid ClientCertificate identifier specified'),
    );
  });

  test('get-client-certificate of an unknown id exits 254 with the same NotFoundException text', async () => {
    const result = await aws('apigateway', 'get-client-certificate', '--client-certificate-id', 'zzzzzz');

    expect(result.exitCode).toBe(254);
    expect(result.stderr.trim()).toBe(
      errorLine('NotFoundException', 'GetClientCertificate', 'Invalid ClientCertificate identifier specified'),
    );
  });

  test('an op outside the enum exits 254 with ValidationException', async () => {
    const result = await aws(
      'apigateway',
      'update-client-certificate',
      '--client-certificate-id',
      id,
      '--patch-operations',
      'op=bogus,path=/description,value=x',
    );

    expect(result.exitCode).toBe(254);
    expect(result.stderr.trim()).toBe(
      errorLine(
        'ValidationException',
        'UpdateClientCertificate',
        "1 validation error detected: Value 'bogus' at 'updateClientCertificateInput.patchOperations.1.member.op' " +
          'failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]',
      ),
    );
  });

  test('op add exits 254 with BadRequestException (two spaces after "path"), and nothing changes', async () => {
    const result = await aws(
      'apigateway',
      'update-client-certificate',
      '--client-certificate-id',
      id,
      '--patch-operations',
      'op=add,path=/description,value=x',
    );

    expect(result.exitCode).toBe(254);
    expect(result.stderr.trim()).toBe(
      errorLine(
        'BadRequestException',
        'UpdateClientCertificate',
        "Invalid patch path  '/description' specified for op 'add'. Please choose supported operations",
      ),
    );
    const after = (await (await fetch(`${service.url}/clientcertificates/${id}`)).json()) as Record<string, unknown>;
    expect(after.description).toBe('renamed by the CLI');
  });
});
