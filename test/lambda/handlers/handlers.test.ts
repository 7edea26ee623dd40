import { X509Certificate } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { limitExceeded } from '../../../lambda/domain/errors.js';
import { logger } from '../../../lambda/http/api-handler.js';
import type { ClientCertificateStore, ClientCertificateStores } from '../../../lambda/store/client-certificate-store.js';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore } from '../../../lambda/store/dynamodb-store.js';
import { keyOf } from '../../../lambda/store/item.js';
import { invoke, overriding, recordCommands } from '../../support/handlers.js';
import { storeBehindFaultProxy } from '../../support/store-behind-proxy.js';

// Each handler's store calls run under its function's role, behind a proxy that refuses what the role
// is not granted (as IAM does on AWS): a command outside lib/operations.ts fails the test that sends it.
const behind = storeBehindFaultProxy('HandlerTests');
const GENERATE = 'GenerateClientCertificate';
const GET = 'GetClientCertificate';
const UPDATE = 'UpdateClientCertificate';

/** The commands the functions' stores sent, in order, since the test (or `generated`) began. */
const sent: string[] = [];
const recording = new Set<string>();
/** The store as the function of `operation` has it: under its role, its commands recorded in `sent`. */
const storeOf = (operation: string): DynamoDbClientCertificateStore => {
  const client = behind.clientOf(operation);
  if (!recording.has(operation)) {
    recording.add(operation);
    recordCommands(client, sent);
  }
  return new DynamoDbClientCertificateStore(client, behind.table);
};
/** The test's own store, for its checks: not a function's role, and not recorded. */
const testStore = () => new DynamoDbClientCertificateStore(behind.client, behind.table);

type Factory = (store?: ClientCertificateStore) => Parameters<typeof invoke>[0];
let generate: Factory;
let get: Factory;
let update: Factory;

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 'HandlerTests', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  // The handler modules read TABLE_NAME when loaded, as in Lambda: load them once it is set.
  // Every request here is in the store's own namespace (the test event's context names its default).
  const inStore =
    (operation: string, factory: (stores: ClientCertificateStores) => Parameters<typeof invoke>[0]): Factory =>
    (one) =>
      factory(() => one ?? storeOf(operation));
  generate = inStore(GENERATE, (await import('../../../lambda/handlers/generate-client-certificate.js')).createHandler);
  get = inStore(GET, (await import('../../../lambda/handlers/get-client-certificate.js')).createHandler);
  update = inStore(UPDATE, (await import('../../../lambda/handlers/update-client-certificate.js')).createHandler);
});

beforeEach(() => {
  sent.length = 0;
});

const stored = async (id: string) =>
  (await behind.client.send(new GetCommand({ TableName: behind.table, Key: keyOf(DEFAULT_NAMESPACE, id), ConsistentRead: true }))).Item;

const generated = async (body: unknown = { description: 'first', tags: { team: 'a' } }): Promise<ClientCertificate> => {
  const { json } = await invoke(generate(), 'GenerateClientCertificate', { body });
  sent.length = 0;
  return json as unknown as ClientCertificate;
};

const replaceDescription = (value: string) => ({ patchOperations: [{ op: 'replace', path: '/description', value }] });

describe('GenerateClientCertificate', () => {
  test('answers 201 with a real certificate valid for exactly 365 days, stored at version 1 holding a quota slot', async () => {
    const response = await invoke(generate(), 'GenerateClientCertificate', { body: { description: 'd', tags: { team: 'blue' } } });

    expect(response.statusCode).toBe(201);
    const body = response.json as unknown as ClientCertificate;
    expect(body.clientCertificateId).toMatch(/^[a-z0-9]{6}$/);
    expect(body.expirationDate - body.createdDate).toBe(365 * 24 * 3600);
    expect(Math.abs(body.createdDate - Date.now() / 1000)).toBeLessThan(60);
    const x509 = new X509Certificate(body.pemEncodedCertificate);
    expect(new Date(x509.validFrom).getTime() / 1000).toBe(body.createdDate);
    expect(new Date(x509.validTo).getTime() / 1000).toBe(body.expirationDate);
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(JSON.stringify(response.json)).not.toMatch(/PRIVATE KEY/);
    expect(body).toMatchObject({ description: 'd', tags: { team: 'blue' } });
    // Claim a quota slot, tried at random in an empty table, then store the certificate.
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(await stored(body.clientCertificateId)).toEqual({
      ...body,
      ...keyOf(DEFAULT_NAMESPACE, body.clientCertificateId),
      tags: [['team', 'blue']],
      version: 1,
      quotaSlot: expect.any(Number),
    });
  });

  test('generates the key pair while the store claims a place: the PEM is still on its way when the store is asked', async () => {
    let pendingWhenAsked: boolean | undefined;
    const store = storeOf(GENERATE);
    const watching = overriding(store, {
      create: async (certificate) => {
        const notYet = Symbol('not yet');
        pendingWhenAsked = (await Promise.race([certificate.pemEncodedCertificate, notYet])) === notYet;
        return store.create(certificate);
      },
    });

    const response = await invoke(generate(watching), 'GenerateClientCertificate', { body: {} });

    expect(response.statusCode).toBe(201);
    expect(pendingWhenAsked).toBe(true);
    const body = response.json as unknown as ClientCertificate;
    expect((await stored(body.clientCertificateId))?.pemEncodedCertificate).toBe(body.pemEncodedCertificate);
  });

  test('refused before the key pair is needed (a full quota), answers only once its generation is done', async () => {
    let generatedBeforeAnswer = false;
    const full = overriding(storeOf(GENERATE), {
      create: async (certificate) => {
        void Promise.resolve(certificate.pemEncodedCertificate).then(() => {
          generatedBeforeAnswer = true;
        });
        throw limitExceeded(1);
      },
    });

    const response = await invoke(generate(full), 'GenerateClientCertificate', { body: {} });

    expect(response.headers['x-amzn-ErrorType']).toBe('LimitExceededException');
    expect(generatedBeforeAnswer).toBe(true);
  });

  test('never overwrites a certificate whose id it happened to draw: it draws again', async () => {
    const taken: string[] = [];
    const store = storeOf(GENERATE);
    const racing = overriding(store, {
      create: async (certificate) => {
        if (taken.length === 0) {
          // Someone else stores a certificate under the very id this request drew.
          taken.push(certificate.clientCertificateId);
          await behind.client.send(
            new PutCommand({
              TableName: behind.table,
              Item: {
                ...certificate,
                pemEncodedCertificate: await certificate.pemEncodedCertificate,
                ...keyOf(DEFAULT_NAMESPACE, certificate.clientCertificateId),
                description: 'theirs',
                version: 7,
              },
            }),
          );
        }
        return store.create(certificate);
      },
    });

    const response = await invoke(generate(racing), 'GenerateClientCertificate', { body: { description: 'mine' } });

    expect(response.statusCode).toBe(201);
    expect(response.json.clientCertificateId).not.toBe(taken[0]);
    expect(await stored(taken[0]!)).toMatchObject({ description: 'theirs', version: 7 });
  });

  test('a bad body is a 400 and writes nothing', async () => {
    const response = await invoke(generate(), 'GenerateClientCertificate', { body: { tags: { 'aws:x': 'y' } } });

    expect(response.statusCode).toBe(400);
    expect(response.headers['x-amzn-ErrorType']).toBe('BadRequestException');
    expect(sent).toEqual([]);
  });
});

describe('GetClientCertificate', () => {
  test('returns the stored resource without the store version', async () => {
    const certificate = await generated();

    const response = await invoke(get(), 'GetClientCertificate', { id: certificate.clientCertificateId });

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual(certificate);
    expect(sent).toEqual(['GetItemCommand']);
  });

  test('an unknown id is 404 NotFoundException', async () => {
    const response = await invoke(get(), 'GetClientCertificate', { id: 'zzzzzz' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['x-amzn-ErrorType']).toBe('NotFoundException');
    expect(response.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
  });

  test('an id this service could never have issued is 404 without asking the store', async () => {
    const response = await invoke(get(), 'GetClientCertificate', { id: 'x'.repeat(3000) });

    expect(response.statusCode).toBe(404);
    expect(sent).toEqual([]);
  });
});

describe('UpdateClientCertificate', () => {
  test('reads once, writes once, advances the version and answers the whole resource', async () => {
    const certificate = await generated();

    const response = await invoke(update(), 'UpdateClientCertificate', {
      id: certificate.clientCertificateId,
      body: replaceDescription('second'),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ ...certificate, description: 'second' });
    expect(response.headers['x-amzn-RequestId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toEqual(['GetItemCommand', 'UpdateItemCommand']);
    expect(await testStore().load(certificate.clientCertificateId)).toEqual({
      value: { ...certificate, description: 'second' },
      version: 2,
    });
  });

  test('no operations answer the resource unchanged and write nothing', async () => {
    const certificate = await generated();

    const response = await invoke(update(), 'UpdateClientCertificate', {
      id: certificate.clientCertificateId,
      body: { patchOperations: [] },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual(certificate);
    expect(sent).toEqual(['GetItemCommand']);
  });

  test.each([
    ['a bad op', replaceDescription('x').patchOperations.map(() => ({ op: 'bogus', path: '/description' })), 'ValidationException'],
    ['malformed JSON', '{"patchOperations": [', 'BadRequestException'],
    ['a wrongly typed member', { patchOperations: [{ op: 'replace', path: 1 }] }, 'BadRequestException'],
  ])('%s is rejected before any store call', async (_, patchOperations, type) => {
    const certificate = await generated();
    const body = typeof patchOperations === 'string' ? patchOperations : { patchOperations };

    const response = await invoke(update(), 'UpdateClientCertificate', { id: certificate.clientCertificateId, body });

    expect(response.statusCode).toBe(400);
    expect(response.headers['x-amzn-ErrorType']).toBe(type);
    expect(sent).toEqual([]);
  });

  test('enum validation comes before lookup: a bad op on an unknown id is still a ValidationException', async () => {
    const response = await invoke(update(), 'UpdateClientCertificate', { id: 'nope00', body: { patchOperations: [{ op: 'bad' }] } });

    expect(response.headers['x-amzn-ErrorType']).toBe('ValidationException');
  });

  test('an unknown id is 404 after one read', async () => {
    const response = await invoke(update(), 'UpdateClientCertificate', { id: 'nope00', body: replaceDescription('x') });

    expect(response.statusCode).toBe(404);
    expect(response.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
    expect(sent).toEqual(['GetItemCommand']);
  });

  test('an id this service could never have issued is 404 without asking the store', async () => {
    const response = await invoke(update(), 'UpdateClientCertificate', { id: 'x'.repeat(3000), body: replaceDescription('x') });

    expect(response.statusCode).toBe(404);
    expect(sent).toEqual([]);
  });

  test('an unsupported operation after a good one is a 400 and nothing is written', async () => {
    const certificate = await generated();

    const response = await invoke(update(), 'UpdateClientCertificate', {
      id: certificate.clientCertificateId,
      body: { patchOperations: [replaceDescription('changed').patchOperations[0], { op: 'replace', path: '/tags/team', value: 'x' }] },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({
      message: "Invalid patch path  '/tags/team' specified for op 'replace'. Must be one of: [/description]",
    });
    expect(sent).toEqual(['GetItemCommand']);
    expect(await testStore().load(certificate.clientCertificateId)).toEqual({ value: certificate, version: 1 });
  });

  test('a writer that got there first wins: the late one gets 409 and writes nothing', async () => {
    const certificate = await generated();
    // Another request of the same function: under the same role, on a store of its own.
    const other = storeOf(UPDATE);
    const store = storeOf(UPDATE);
    const overtaken = overriding(store, {
      load: async (id) => {
        const read = await store.load(id);
        // Between this request's read and its write, another request updates the certificate.
        await other.saveIfVersion({ ...read!.value, description: 'theirs' }, read!.version);
        return read;
      },
    });

    const response = await invoke(update(overtaken), 'UpdateClientCertificate', {
      id: certificate.clientCertificateId,
      body: replaceDescription('mine'),
    });

    expect(response.statusCode).toBe(409);
    expect(response.headers['x-amzn-ErrorType']).toBe('ConflictException');
    expect(response.json).toEqual({
      message: `Concurrent modification of client certificate ${certificate.clientCertificateId}; retry the request`,
    });
    expect(await stored(certificate.clientCertificateId)).toMatchObject({ description: 'theirs', version: 2 });
  });

  test('a certificate deleted between read and write is 404 and is not brought back', async () => {
    const certificate = await generated();
    const id = certificate.clientCertificateId;
    const store = storeOf(UPDATE);
    const vanishing = overriding(store, {
      load: async (loadId) => {
        const read = await store.load(loadId);
        await behind.client.send(new DeleteCommand({ TableName: behind.table, Key: keyOf(DEFAULT_NAMESPACE, loadId) }));
        return read;
      },
    });

    const response = await invoke(update(vanishing), 'UpdateClientCertificate', { id, body: replaceDescription('mine') });

    expect(response.statusCode).toBe(404);
    expect(response.headers['x-amzn-ErrorType']).toBe('NotFoundException');
    expect(await stored(id)).toBeUndefined();
  });
});

describe('the DynamoDB store', () => {
  test("refuses an item past DynamoDB's 400 KB as an invalid description, writing nothing", async () => {
    const certificate = await generated();
    // 140000 three-byte characters: 420 KB in UTF-8, though under the 125000-character rule's reach only by bytes.
    const huge = { ...certificate, description: '€'.repeat(140_000) };

    await expect(storeOf(UPDATE).saveIfVersion(huge, 1)).rejects.toMatchObject({
      type: 'BadRequestException',
      message: 'Invalid ClientCertificate description specified.',
    });
    expect(sent).toEqual([]);
    expect(await testStore().load(certificate.clientCertificateId)).toEqual({ value: certificate, version: 1 });
  });
});

describe('logs', () => {
  /** The JSON lines the functions' logger printed while `act` ran, at INFO (this file runs it SILENT). */
  const logLinesOf = async (act: () => Promise<unknown>): Promise<Record<string, unknown>[]> => {
    const lines: Record<string, unknown>[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(JSON.parse(String(chunk)));
      return true;
    });
    logger.setLogLevel('INFO');
    try {
      await act();
    } finally {
      logger.setLogLevel('SILENT');
      spy.mockRestore();
    }
    return lines;
  };

  test("each request's line names its namespace and certificate (the one it created, too), and never holds the PEM", async () => {
    let id = '';
    const lines = await logLinesOf(async () => {
      id = (await invoke(generate(), GENERATE, { body: {} })).json.clientCertificateId as string;
      await invoke(get(), GET, { id });
      await invoke(update(), UPDATE, { id, body: replaceDescription('logged') });
      await invoke(get(), GET, { id: 'x'.repeat(300) });
    });

    const requests = lines.filter((line) => line.message === 'request');
    expect(requests.map(({ namespace, clientCertificateId, statusCode }) => ({ namespace, clientCertificateId, statusCode }))).toEqual([
      { namespace: DEFAULT_NAMESPACE, clientCertificateId: id, statusCode: 201 },
      { namespace: DEFAULT_NAMESPACE, clientCertificateId: id, statusCode: 200 },
      { namespace: DEFAULT_NAMESPACE, clientCertificateId: id, statusCode: 200 },
      // An id no certificate can have is not logged: a caller could write anything, of any length, there.
      { namespace: DEFAULT_NAMESPACE, clientCertificateId: undefined, statusCode: 404 },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/CERTIFICATE-----|x{300}/);
  });
});
