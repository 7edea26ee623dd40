import type { ConformanceTarget } from '../support/target.js';
import { openTarget } from '../support/target.js';
import type { CliResult } from '../support/cli.js';
import { CLI, CLI_TIMESTAMP, cliPresent, cliVersion, describeIfCli, errorLine, output, runAws, testIfCli } from '../support/cli.js';

/** The real AWS CLI v2 against the conformance target (how it is run: ../support/cli.ts). */

let target: ConformanceTarget;

const aws = (...args: string[]): Promise<CliResult> => runAws(target, ...args);

/** The certificate as the API sends it to an AWS client, below the CLI. */
const raw = async (id: string) =>
  (await (await target.fetch(`/clientcertificates/${id}`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;

describe('AWS CLI availability', () => {
  testIfCli(`the AWS CLI v2 is installed at ${CLI}`, async () => {
    expect(cliPresent).toBe(true);
    const version = await cliVersion();
    expect(version).toMatch(/^aws-cli\/2\./);
  });
});

describeIfCli('AWS CLI v2 apigateway client certificate commands', () => {
  let generated: Record<string, unknown>;
  let id: string;

  beforeAll(async () => {
    target = await openTarget();
    generated = output(await aws('apigateway', 'generate-client-certificate', '--description', 'made by the CLI'));
    id = generated.clientCertificateId as string;
  });

  afterAll(async () => {
    await target?.close();
  });

  test('generate-client-certificate prints the new certificate, dates as ISO 8601 UTC a year apart', async () => {
    const plain = (await raw(id)) as Record<string, number>;

    expect(id).toMatch(/^[a-z0-9]{6}$/);
    expect(generated.description).toBe('made by the CLI');
    expect(generated).not.toHaveProperty('tags');
    expect(generated.pemEncodedCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\r\n[\s\S]+\r\n-----END CERTIFICATE-----$/);
    expect(generated.createdDate).toMatch(CLI_TIMESTAMP);
    expect(generated.expirationDate).toMatch(CLI_TIMESTAMP);
    expect(Date.parse(generated.createdDate as string)).toBe(plain.createdDate! * 1000);
    expect(Date.parse(generated.expirationDate as string)).toBe(plain.expirationDate! * 1000);
  });

  test('get-client-certificate prints the same certificate, with "tags": {} where generate printed none', async () => {
    const result = output(await aws('apigateway', 'get-client-certificate', '--client-certificate-id', id));

    expect(result).toEqual({ ...generated, tags: {} });
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

    expect(result).toEqual({ ...generated, description: 'renamed by the CLI', tags: {} });
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
    const after = await raw(id);
    expect(after.description).toBe('renamed by the CLI');
  });
});
