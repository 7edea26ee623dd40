import { X509Certificate } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { seededClientCertificateId } from '../../../../lib/local/base/seeded-id.js';
import type { LocalFunctions } from '../../../../lib/local/functions/functions.js';
import { startFunctions } from '../../../../lib/local/functions/functions.js';
import { httpApiEvent, lambdaContext } from '../../../../lib/local/functions/lambda-runtime.js';
import type { LocalDynamoDb } from '../../../../lib/local/store/dynalite.js';
import { startDynalite } from '../../../../lib/local/store/dynalite.js';
import { operations } from '../../../../lib/operations.js';

/**
 * An invocation carries its namespace's clock and id sequence to the functions' thread; the count of
 * ids drawn stays with the caller (the control plane, in the service), so it survives the thread.
 */

const generate = operations.find((o) => o.name === 'GenerateClientCertificate')!;
const update = operations.find((o) => o.name === 'UpdateClientCertificate')!;

const generateEvent = (body: unknown): APIGatewayProxyEventV2 =>
  httpApiEvent({
    operation: generate,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

interface Answer {
  statusCode: number;
  body: string;
}
/** The certificate a Generate answered with, in its JSON form. */
const created = (answer: unknown) =>
  JSON.parse((answer as Answer).body) as { clientCertificateId: string; createdDate: number; pemEncodedCertificate: string };

let store: LocalDynamoDb;
let functions: LocalFunctions;

beforeAll(async () => {
  store = await startDynalite('ClientCertificates');
  functions = await startFunctions(
    {},
    {
      ...process.env,
      TABLE_NAME: 'ClientCertificates',
      DYNAMODB_ENDPOINT: store.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  );
});

afterAll(async () => {
  await functions?.close();
  await store?.close();
});

const invokeGenerate = (body: unknown, conditions: Parameters<LocalFunctions['invoke']>[4], namespace = 'ns') =>
  functions.invoke(generate, generateEvent(body), lambdaContext(generate, 'us-east-1'), namespace, conditions);

test('a Generate draws its id from the sequence it is handed; only ids drawn count, and the count outlives a replaced thread', async () => {
  const ids = { seed: 'thread-test', drawn: new Int32Array(new SharedArrayBuffer(4)) };

  const first = created(await invokeGenerate({}, { ids }));
  const refused = (await invokeGenerate({ description: 7 }, { ids })) as Answer; // refused before an id is drawn
  // An operation the thread has no handler for kills it; the next invocation gets a new thread.
  await expect(
    functions.invoke({ ...update, name: 'NoSuchOperation' }, generateEvent({}), lambdaContext(update, 'us-east-1')),
  ).rejects.toThrow(/exited/);
  const second = created(await invokeGenerate({}, { ids }));

  expect(refused.statusCode).toBe(400);
  expect([first.clientCertificateId, second.clientCertificateId]).toEqual([
    seededClientCertificateId('thread-test', 0),
    seededClientCertificateId('thread-test', 1),
  ]);
  expect(ids.drawn[0]).toBe(2);
});

test("a Generate dates its certificate by the clock it is handed, the PEM's validity included; without one, by the real clock", async () => {
  const now = Date.parse('2031-05-06T07:08:09.500Z');

  const dated = created(await invokeGenerate({}, { now }));
  const real = created(await invokeGenerate({}, undefined));

  const validity = new X509Certificate(dated.pemEncodedCertificate);
  expect(dated.createdDate).toBe(Math.floor(now / 1000));
  expect(new Date(validity.validFrom).toISOString()).toBe('2031-05-06T07:08:09.000Z');
  expect(new Date(validity.validTo).toISOString()).toBe('2032-05-05T07:08:09.000Z');
  expect(Math.abs(real.createdDate - Date.now() / 1000)).toBeLessThan(60);
});
