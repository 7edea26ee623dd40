import type { CliResult } from '../support/cli.js';
import {
  CLI,
  CLI_TIMESTAMP,
  cliPresent,
  cliVersion,
  describeIfCli,
  errorLine,
  output,
  runAws,
  runAwsProcess,
  SERVICE_ERROR_EXIT,
  testIfCli,
} from '../support/cli.js';
import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, openTarget } from '../support/target.js';

/**
 * The real AWS CLI v2 (`aws apigateway ...`) against the conformance target (how it is run:
 * ../support/cli.ts, each command through the suite's driver, held equal to a process of its own at the end): the whole ClientCertificate lifecycle with the CLI's own paging, what it
 * prints for a certificate without tags, and the errors it lets through to the service. Every CLI
 * run costs most of a second, so the calls are counted: certificates the test only needs to exist
 * are made over plain HTTP.
 *
 * What the CLI decides on its own, so not provoked here: a missing required option (`untag-resource`
 * without `--tag-keys`, `tag-resource` without `--tags`) is a usage error, exit 252, nothing sent.
 */

const INVALID_ID = 'Invalid ClientCertificate identifier specified';

let target: ConformanceTarget;

const aws = (...args: string[]): Promise<CliResult> => runAws(target, 'apigateway', ...args);

/** The certificate as the API sends it to an AWS client, below the CLI. */
const raw = async (id: string) =>
  (await (await target.fetch(`/clientcertificates/${id}`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;

const idsOf = (list: Record<string, unknown>): string[] =>
  (list.items as { clientCertificateId: string }[]).map((c) => c.clientCertificateId);

/** A certificate made over plain HTTP, bypassing the CLI: it only has to exist. */
const generateOverHttp = async (description: string): Promise<string> => {
  const response = await target.fetch('/clientcertificates', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ description }),
  });
  return ((await response.json()) as { clientCertificateId: string }).clientCertificateId;
};

const expectServiceError = (result: CliResult, line: string): void => {
  expect(result.exitCode).toBe(SERVICE_ERROR_EXIT);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim()).toBe(line);
};

describe('AWS CLI availability', () => {
  testIfCli(`the AWS CLI v2 is installed at ${CLI}`, async () => {
    expect(cliPresent).toBe(true);
    const version = await cliVersion();
    expect(version).toMatch(/^aws-cli\/2\./);
  });
});

describeIfCli('aws apigateway', () => {
  /** The lifecycle's list: its own certificate and the ones made beside it. */
  let everyId: string[];

  beforeAll(async () => {
    target = await openTarget();
  });

  afterAll(async () => {
    await target?.close();
  });

  // First, on an empty list: its list checks expect the certificates it made and no others.
  describe('the lifecycle of one certificate', () => {
    let generated: Record<string, unknown>;
    let id: string;

    test('generate-client-certificate --tags prints the new certificate with its tags, dates in ISO 8601', async () => {
      const result = output(await aws('generate-client-certificate', '--description', 'lifecycle', '--tags', 'team=payments,env=test'));

      expect(result.clientCertificateId).toMatch(/^[a-z0-9]{6}$/);
      expect(result.description).toBe('lifecycle');
      expect(result.tags).toEqual({ team: 'payments', env: 'test' });
      expect(result.createdDate).toMatch(CLI_TIMESTAMP);
      expect(result.expirationDate).toMatch(CLI_TIMESTAMP);
      generated = result;
      id = result.clientCertificateId as string;
    });

    test('get-client-certificate prints the same certificate', async () => {
      const result = output(await aws('get-client-certificate', '--client-certificate-id', id));

      expect(result).toEqual(generated);
    });

    test('get-client-certificates --page-size 2 follows position over every page and prints all items once', async () => {
      const siblings = await Promise.all(['sibling 1', 'sibling 2', 'sibling 3'].map(generateOverHttp));

      const result = output(await aws('get-client-certificates', '--page-size', '2'));

      // Four certificates two to a page: without following position the CLI would print two.
      expect(idsOf(result).sort()).toEqual([id, ...siblings].sort());
      expect(result).not.toHaveProperty('NextToken');
      expect((result.items as Record<string, unknown>[]).find((c) => c.clientCertificateId === id)).toEqual(generated);
      everyId = idsOf(result);
    });

    test('--max-items 3 stops mid-page with a NextToken; --starting-token resumes with exactly the rest', async () => {
      const first = output(await aws('get-client-certificates', '--page-size', '2', '--max-items', '3'));
      const rest = output(await aws('get-client-certificates', '--page-size', '2', '--starting-token', first.NextToken as string));

      // The token holds the service's position and how many items of the next page were already
      // printed; resuming re-reads that page from the same position, so pages must be stable.
      expect(idsOf(first)).toEqual(everyId.slice(0, 3));
      expect(typeof first.NextToken).toBe('string');
      expect(idsOf(rest)).toEqual(everyId.slice(3));
      expect(rest).not.toHaveProperty('NextToken');
    });

    test('update-client-certificate replaces the description', async () => {
      const result = output(
        await aws(
          'update-client-certificate',
          '--client-certificate-id',
          id,
          '--patch-operations',
          'op=replace,path=/description,value=lifecycle renamed',
        ),
      );

      expect(result).toEqual({ ...generated, description: 'lifecycle renamed' });
    });

    test('tag-resource and untag-resource on the ARN succeed silently; get-tags prints what is left', async () => {
      const tagged = await aws('tag-resource', '--resource-arn', certificateArn(id), '--tags', 'owner=alice,env=prod');
      const untagged = await aws('untag-resource', '--resource-arn', certificateArn(id), '--tag-keys', 'team', 'owner');
      const tags = output(await aws('get-tags', '--resource-arn', certificateArn(id)));

      expect(tagged).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(untagged).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expect(tags).toEqual({ tags: { env: 'prod' } });
    });

    test('delete-client-certificate succeeds silently; get-client-certificate then exits 254, NotFoundException', async () => {
      const deleted = await aws('delete-client-certificate', '--client-certificate-id', id);
      const after = await aws('get-client-certificate', '--client-certificate-id', id);

      expect(deleted).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      expectServiceError(after, errorLine('NotFoundException', 'GetClientCertificate', INVALID_ID));
    });

    test('--limit outside 1 to 500 reaches the service and is answered as API Gateway answers it: a page, no error', async () => {
      for (const limit of ['0', '-1', '501', '1000']) {
        const result = await aws('get-client-certificates', '--limit', limit);

        expect(result.exitCode).toBe(0);
        expect(idsOf(output(result)).sort()).toEqual(everyId.filter((other) => other !== id).sort());
      }
    });
  });

  describe('a certificate generated without tags', () => {
    let generated: Record<string, unknown>;
    let id: string;

    beforeAll(async () => {
      generated = output(await aws('generate-client-certificate', '--description', 'made by the CLI'));
      id = generated.clientCertificateId as string;
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
      const result = output(await aws('get-client-certificate', '--client-certificate-id', id));

      expect(result).toEqual({ ...generated, tags: {} });
    });

    test('update-client-certificate replaces the description and prints the updated certificate', async () => {
      const result = output(
        await aws(
          'update-client-certificate',
          '--client-certificate-id',
          id,
          '--patch-operations',
          'op=replace,path=/description,value=renamed by the CLI',
        ),
      );

      expect(result).toEqual({ ...generated, description: 'renamed by the CLI', tags: {} });
    });
  });

  describe('errors the CLI passes through, exit 254 and the service message', () => {
    test('BadRequestException: a --position the service never issued', async () => {
      const result = await aws('get-client-certificates', '--position', Buffer.from('forged').toString('base64url'));

      expectServiceError(result, errorLine('BadRequestException', 'GetClientCertificates', 'Invalid position specified'));
    });

    test("BadRequestException: tag-resource with a key in the reserved 'aws:' namespace", async () => {
      const result = await aws('tag-resource', '--resource-arn', certificateArn(everyId[1]!), '--tags', 'aws:x=1');

      expectServiceError(
        result,
        errorLine('BadRequestException', 'TagResource', "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)"),
      );
    });

    test('ValidationException: an op outside the enum', async () => {
      const result = await aws(
        'update-client-certificate',
        '--client-certificate-id',
        everyId[1]!,
        '--patch-operations',
        'op=bogus,path=/description,value=x',
      );

      expectServiceError(
        result,
        errorLine(
          'ValidationException',
          'UpdateClientCertificate',
          "1 validation error detected: Value 'bogus' at 'updateClientCertificateInput.patchOperations.1.member.op' " +
            'failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]',
        ),
      );
    });

    test('NotFoundException: get-tags on the ARN of something that is not a client certificate', async () => {
      const result = await aws(
        'get-tags',
        '--resource-arn',
        certificateArn('abc123').replace('/clientcertificates/abc123', '/restapis/abc'),
      );

      expectServiceError(result, errorLine('NotFoundException', 'GetTags', 'Invalid resource identifier specified'));
    });

    test('an unknown id exits 254 with NotFoundException', async () => {
      const result = await aws(
        'update-client-certificate',
        '--client-certificate-id',
        'zzzzzz',
        '--patch-operations',
        'op=replace,path=/description,value=x',
      );

      expectServiceError(result, errorLine('NotFoundException', 'UpdateClientCertificate', INVALID_ID));
    });

    test('get-client-certificate of an unknown id exits 254 with the same NotFoundException text', async () => {
      const result = await aws('get-client-certificate', '--client-certificate-id', 'zzzzzz');

      expectServiceError(result, errorLine('NotFoundException', 'GetClientCertificate', INVALID_ID));
    });

    test('op add exits 254 with BadRequestException (two spaces after "path"), and nothing changes', async () => {
      const other = await generateOverHttp('left as it was');
      const before = await raw(other);

      const result = await aws(
        'update-client-certificate',
        '--client-certificate-id',
        other,
        '--patch-operations',
        'op=add,path=/description,value=x',
      );

      expectServiceError(
        result,
        errorLine(
          'BadRequestException',
          'UpdateClientCertificate',
          "Invalid patch path  '/description' specified for op 'add'. Please choose supported operations",
        ),
      );
      expect(await raw(other)).toEqual(before);
    });
  });

  // Last: its certificate would show in the lifecycle's lists.
  describe("the suite's driver, beside the aws process itself", () => {
    test('prints the same stdout and stderr and exits with the same code: a success, a service error, a usage error', async () => {
      const id = await generateOverHttp('run both ways');
      const commands = [
        ['get-client-certificate', '--client-certificate-id', id],
        ['get-client-certificate', '--client-certificate-id', 'zzzzzz'],
        ['get-client-certificate', '--client-certificat-id', id],
      ];

      const exitCodes: number[] = [];
      for (const args of commands) {
        const [driven, alone] = [await aws(...args), await runAwsProcess(target, 'apigateway', ...args)];

        expect(driven).toEqual(alone);
        exitCodes.push(driven.exitCode);
      }
      expect(exitCodes).toEqual([0, SERVICE_ERROR_EXIT, 252]);
    });
  });
});
