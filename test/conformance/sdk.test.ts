import type { ClientCertificate, PatchOperation } from '@aws-sdk/client-api-gateway';
import {
  APIGatewayClient,
  APIGatewayServiceException,
  BadRequestException,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  NotFoundException,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import { X509Certificate } from 'node:crypto';
import { failureOf, resource } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { errorTypeOf, openTarget, testUnlessApiGateway } from '../support/target.js';

/**
 * The real AWS SDK v3 against the conformance target: what a user of `@aws-sdk/client-api-gateway`
 * sees, down to the error classes it picks from `x-amzn-ErrorType`.
 */

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UNKNOWN_ID = 'zzzzzz';
const ENUM = '[add, remove, move, test, replace, copy]';

let target: ConformanceTarget;
let client: APIGatewayClient;

beforeAll(async () => {
  target = await openTarget();
  client = target.sdkClient();
});

afterAll(async () => {
  client?.destroy();
  await target?.close();
});

const generate = async (description?: string, tags?: Record<string, string>) =>
  client.send(new GenerateClientCertificateCommand({ description, tags }));

const update = (clientCertificateId: string, patchOperations?: PatchOperation[]) =>
  client.send(new UpdateClientCertificateCommand({ clientCertificateId, patchOperations }));

const get = (clientCertificateId: string) => client.send(new GetClientCertificateCommand({ clientCertificateId }));

const enumError = (value: string, index: number): string =>
  `Value '${value}' at 'updateClientCertificateInput.patchOperations.${index}.member.op' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM}`;

describe('GenerateClientCertificate', () => {
  test('answers 201 with a new certificate the SDK reads as a ClientCertificate', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;

    const output = await generate('conformance: generate');

    const after = Date.now();
    expect(output.$metadata.httpStatusCode).toBe(201);
    expect(output.clientCertificateId).toMatch(/^[a-z0-9]{6}$/);
    expect(output.description).toBe('conformance: generate');
    // API Gateway leaves tags out of a creation's answer when there are none, as for API keys and usage plans.
    expect(output.tags).toBeUndefined();
    expect(output.createdDate).toBeInstanceOf(Date);
    expect(output.expirationDate).toBeInstanceOf(Date);
    expect(output.createdDate!.getTime()).toBeGreaterThanOrEqual(before);
    expect(output.createdDate!.getTime()).toBeLessThanOrEqual(after);
    expect(output.expirationDate!.getTime() - output.createdDate!.getTime()).toBe(YEAR_MS);
  });

  test('issues a self-signed RSA-2048 X.509 certificate valid exactly from createdDate to expirationDate', async () => {
    const output = await generate();

    const pem = output.pemEncodedCertificate!;
    expect(pem.match(/-----BEGIN [A-Z ]+-----/g)).toEqual(['-----BEGIN CERTIFICATE-----']);
    const certificate = new X509Certificate(pem);
    expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // Self-signed: issued by its own subject and signed with its own key. (checkIssued would be
    // false: OpenSSL wants keyCertSign there, which a client certificate rightly lacks.)
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.validFromDate).toEqual(output.createdDate);
    expect(certificate.validToDate).toEqual(output.expirationDate);
    expect(JSON.stringify(output)).not.toMatch(/PRIVATE KEY/);
  });

  test('omits the description when none is given and echoes the tags it was given', async () => {
    const output = await generate(undefined, { team: 'payments', 'cost:center': '42' });

    expect(output.description).toBeUndefined();
    expect(output.tags).toEqual({ team: 'payments', 'cost:center': '42' });
  });

  test('issues distinct ids and certificates', async () => {
    const [a, b] = await Promise.all([generate(), generate()]);

    expect(a.clientCertificateId).not.toBe(b.clientCertificateId);
    expect(a.pemEncodedCertificate).not.toBe(b.pemEncodedCertificate);
  });
});

describe('GetClientCertificate', () => {
  test('returns the certificate exactly as it was generated', async () => {
    const generated = await generate('conformance: get', { env: 'test' });

    const output = await get(generated.clientCertificateId!);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(resource(output)).toEqual(resource(generated));
  });

  test('answers an unknown id with NotFoundException (404)', async () => {
    const error = await failureOf(get(UNKNOWN_ID));

    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.message).toBe('Invalid ClientCertificate identifier specified');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  test('answers an id this service could never have issued with NotFoundException', async () => {
    const error = await failureOf(get('not/an:id'));

    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.message).toBe('Invalid ClientCertificate identifier specified');
  });
});

describe('UpdateClientCertificate', () => {
  test('replace /description returns the updated certificate and persists it; nothing else changes', async () => {
    const generated = await generate('before');

    const output = await update(generated.clientCertificateId!, [
      { op: 'replace', path: '/description', value: 'after' },
    ]);

    expect(output.$metadata.httpStatusCode).toBe(200);
    // Generate left out the tags it did not have; Update shows them as {}, as API Gateway answers for usage plans.
    expect(resource(output)).toEqual({ ...resource(generated), description: 'after', tags: {} });
    expect(resource(await get(generated.clientCertificateId!))).toEqual(resource(output));
  });

  test('sets a description on a certificate generated without one', async () => {
    const generated = await generate();

    const output = await update(generated.clientCertificateId!, [
      { op: 'replace', path: '/description', value: 'now described' },
    ]);

    expect(output.description).toBe('now described');
  });

  test('applies operations in list order: the last replace wins', async () => {
    const generated = await generate('original');

    const output = await update(generated.clientCertificateId!, [
      { op: 'replace', path: '/description', value: 'first' },
      { op: 'replace', path: '/description', value: 'second' },
    ]);

    expect(output.description).toBe('second');
    expect((await get(generated.clientCertificateId!)).description).toBe('second');
  });

  // An empty description is left out, as API Gateway leaves out a model's emptied one.
  test.each([[undefined], ['']])('replace /description with value %p clears it: the description is left out', async (value) => {
    const generated = await generate('to be cleared');

    const output = await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value }]);

    expect(output.description).toBeUndefined();
    expect((await get(generated.clientCertificateId!)).description).toBeUndefined();
  });

  test('an empty patchOperations list answers 200 with the certificate unchanged', async () => {
    const generated = await generate('untouched', { untouched: 'yes' });

    const output = await update(generated.clientCertificateId!, []);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(resource(output)).toEqual(resource(generated));
    expect(resource(await get(generated.clientCertificateId!))).toEqual(resource(generated));
  });

  test('accepts a description of exactly 125000 characters, even of multi-byte characters', async () => {
    const generated = await generate();
    const description = '€'.repeat(125_000);

    const output = await update(generated.clientCertificateId!, [
      { op: 'replace', path: '/description', value: description },
    ]);

    expect(output.description).toBe(description);
    expect((await get(generated.clientCertificateId!)).description).toBe(description);
  });

  describe('errors', () => {
    let certificate: ClientCertificate;

    beforeAll(async () => {
      certificate = resource(await generate('error cases', { keep: 'me' }));
    });

    /** Every failed update below must have written nothing. */
    afterEach(async () => {
      expect(resource(await get(certificate.clientCertificateId!))).toEqual(certificate);
    });

    test('an op outside the enum is a ValidationException (400) naming it, 1-based', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'bogus' as PatchOperation['op'], path: '/description' }]),
      );

      expect(error).toBeInstanceOf(APIGatewayServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(`1 validation error detected: ${enumError('bogus', 1)}`);
    });

    test('every op outside the enum is reported together, joined by "; "', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [
          { op: 'bogus' as PatchOperation['op'], path: '/description' },
          { op: 'replace', path: '/description', value: 'fine' },
          { op: 'REPLACE' as PatchOperation['op'], path: '/description' },
        ]),
      );

      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(
        `2 validation errors detected: ${enumError('bogus', 1)}; ${enumError('REPLACE', 3)}`,
      );
    });

    test('op add is a BadRequestException naming the path and op (two spaces after "path")', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'add', path: '/description', value: 'x' }]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(
        "Invalid patch path  '/description' specified for op 'add'. Please choose supported operations",
      );
    });

    test('replace /tags is a BadRequestException listing the one updatable path', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'replace', path: '/tags', value: 'x' }]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe("Invalid patch path  '/tags' specified for op 'replace'. Must be one of: [/description]");
    });

    test('replace of a read-only field (/expirationDate) is a BadRequestException', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'replace', path: '/expirationDate', value: '0' }]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe(
        "Invalid patch path  '/expirationDate' specified for op 'replace'. Must be one of: [/description]",
      );
    });

    test('an operation without a path is a BadRequestException "Invalid patch path null"', async () => {
      const error = await failureOf(update(certificate.clientCertificateId!, [{ op: 'replace', value: 'x' }]));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe('Invalid patch path null');
    });

    test('one bad operation rejects the whole request, the valid ones before it included', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [
          { op: 'replace', path: '/description', value: 'must not be written' },
          { op: 'remove', path: '/description' },
        ]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe(
        "Invalid patch path  '/description' specified for op 'remove'. Please choose supported operations",
      );
    });

    test('a description over 125000 characters is a BadRequestException', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [
          { op: 'replace', path: '/description', value: 'x'.repeat(125_001) },
        ]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe('Invalid ClientCertificate description specified.');
    });

    test('an unknown id is a NotFoundException (404)', async () => {
      const error = await failureOf(update(UNKNOWN_ID, [{ op: 'replace', path: '/description', value: 'x' }]));

      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.$metadata.httpStatusCode).toBe(404);
      expect(error.message).toBe('Invalid ClientCertificate identifier specified');
    });

    test('op enum validation comes before the lookup: unknown id with a bad op is a ValidationException', async () => {
      const error = await failureOf(update(UNKNOWN_ID, [{ op: 'bogus' as PatchOperation['op'], path: '/description' }]));

      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(`1 validation error detected: ${enumError('bogus', 1)}`);
    });

    test('the lookup comes before the per-operation check: unknown id with op add is a NotFoundException', async () => {
      const error = await failureOf(update(UNKNOWN_ID, [{ op: 'add', path: '/description', value: 'x' }]));

      expect(error).toBeInstanceOf(NotFoundException);
    });

    test('every error names its request with a UUID request id', async () => {
      const errors = await Promise.all([
        failureOf(get(UNKNOWN_ID)),
        failureOf(update(UNKNOWN_ID, [])),
        failureOf(update(certificate.clientCertificateId!, [{ op: 'bogus' as PatchOperation['op'] }])),
        failureOf(update(certificate.clientCertificateId!, [{ op: 'add', path: '/description' }])),
      ]);

      const requestIds = errors.map((error) => error.$metadata.requestId);
      for (const requestId of requestIds) expect(requestId).toMatch(UUID);
      expect(new Set(requestIds).size).toBe(requestIds.length);
    });
  });

  test('the largest certificate the tag and description rules allow is stored whole', async () => {
    // 50 maximal tags plus 125000 three-byte characters: about 394 KB, just inside DynamoDB's 400 KB item.
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${String(i).padStart(3, '0')}${'k'.repeat(125)}`, 'v'.repeat(256)]),
    );
    const generated = resource(await generate('small', tags));

    const updated = resource(
      await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value: '€'.repeat(125_000) }]),
    );

    expect(updated.description).toHaveLength(125_000);
    expect(resource(await get(generated.clientCertificateId!))).toEqual(updated);
  });

  test('a 51st tag is a BadRequestException', async () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));

    const error = await failureOf(generate('too many tags', tags));

    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toBe('Too many tags: a resource can have at most 50 tags');
  });

  test('successful responses carry a UUID request id too', async () => {
    const generated = await generate();

    const output = await update(generated.clientCertificateId!, []);

    expect(generated.$metadata.requestId).toMatch(UUID);
    expect(output.$metadata.requestId).toMatch(UUID);
  });
});

describe('the wire, below the SDK', () => {
  const patch = (id: string, body: string | undefined) =>
    target.fetch(`/clientcertificates/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body }),
    });

  test('GenerateClientCertificate sends exactly the documented members, dates as integer epoch seconds, no key', async () => {
    const response = await target.fetch('/clientcertificates', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ description: 'raw' }),
    });

    const text = await response.text();
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-amzn-RequestId')).toMatch(UUID);
    expect(text).not.toMatch(/PRIVATE/i);
    const body = JSON.parse(text) as Record<string, unknown>;
    // No tags given, no `tags` member: as API Gateway answers the creation of its sibling resources.
    expect(Object.keys(body).sort()).toEqual(
      ['clientCertificateId', 'createdDate', 'description', 'expirationDate', 'pemEncodedCertificate'].sort(),
    );
    expect(Number.isInteger(body.createdDate)).toBe(true);
    expect(body.expirationDate).toBe((body.createdDate as number) + 31_536_000);
  });

  test('malformed JSON to PATCH is a 400 BadRequestException with a {"message"} body', async () => {
    const { clientCertificateId } = await generate('malformed');

    const response = await patch(clientCertificateId!, '{"patchOperations": [');

    expect(response.status).toBe(400);
    expect(errorTypeOf(response.headers.get('x-amzn-ErrorType'))).toBe('BadRequestException');
    expect(response.headers.get('x-amzn-RequestId')).toMatch(UUID);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['message']);
    expect(body.message).toEqual(expect.any(String));
    expect(body.message).not.toBe('');
  });

  test('a body that is not an object, or a patchOperations that is not a list of objects, is a BadRequestException', async () => {
    const { clientCertificateId } = await generate('wrong shapes');

    const responses = await Promise.all(
      ['[]', '"text"', '{"patchOperations": {}}', '{"patchOperations": ["replace"]}', '{"patchOperations": [{"op": {}}]}'].map(
        (body) => patch(clientCertificateId!, body),
      ),
    );

    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(errorTypeOf(response.headers.get('x-amzn-ErrorType'))).toBe('BadRequestException');
    }
  });

  test('a PATCH with no body or {} answers 200 with the certificate unchanged', async () => {
    const generated = await generate('no body');

    const [noBody, emptyObject] = await Promise.all([
      patch(generated.clientCertificateId!, undefined),
      patch(generated.clientCertificateId!, '{}'),
    ]);

    expect(noBody.status).toBe(200);
    expect(emptyObject.status).toBe(200);
    expect(((await noBody.json()) as { description?: string }).description).toBe('no body');
    expect(((await emptyObject.json()) as { description?: string }).description).toBe('no body');
  });

  testUnlessApiGateway('an unknown route is 404 {"message":"Not Found"}', async () => {
    const response = await target.fetch('/restapis');

    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"message":"Not Found"}');
  });
});
