import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LocalFunctions } from '../../../lib/local/functions.js';
import { startFunctions } from '../../../lib/local/functions.js';
import { httpApiEvent, lambdaContext } from '../../../lib/local/lambda-runtime.js';
import { operations } from '../../../lib/operations.js';

/**
 * The functions' thread of the local service on its own: it runs the handler modules, answers each
 * invocation with what the handler returned, and is replaced when it dies, as Lambda replaces an
 * execution environment. Requests here fail validation, so no store is needed.
 */

const update = operations.find((o) => o.name === 'UpdateClientCertificate')!;

/** An UpdateClientCertificate request the handler refuses before it reads the store. */
const invalidUpdate = (id: string): APIGatewayProxyEventV2 =>
  httpApiEvent({
    operation: update,
    pathParameters: { clientcertificate_id: id },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ patchOperations: [{ op: 'bogus', path: '/description' }] }),
  });

let functions: LocalFunctions;

beforeAll(async () => {
  // The handler modules read these at import; the thread gets a copy of this environment.
  Object.assign(process.env, { TABLE_NAME: 'Unused', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  functions = await startFunctions();
});

afterAll(async () => {
  await functions.close();
});

test("answers each invocation with the handler's result, its request id included, many at once", async () => {
  const contexts = Array.from({ length: 20 }, () => lambdaContext(update, 'us-east-1'));
  const results = (await Promise.all(
    contexts.map((context, i) => functions.invoke(update, invalidUpdate(`id${i}`), context)),
  )) as { statusCode: number; headers: Record<string, string>; body: string }[];
  results.forEach((result, i) => {
    expect(result.statusCode).toBe(400);
    expect(result.headers['x-amzn-ErrorType']).toBe('ValidationException');
    expect(result.headers['x-amzn-RequestId']).toBe(contexts[i]!.awsRequestId);
  });
});

test('a thread that dies fails what it was running; the next invocation gets a new one', async () => {
  const context = () => lambdaContext(update, 'us-east-1');
  // An operation the thread has no handler for is a bug on this side: the thread dies of it.
  await expect(functions.invoke({ ...update, name: 'NoSuchOperation' }, invalidUpdate('x'), context())).rejects.toThrow(/exited/);
  const after = (await functions.invoke(update, invalidUpdate('y'), context())) as { statusCode: number };
  expect(after.statusCode).toBe(400);
});
