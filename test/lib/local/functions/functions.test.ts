import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpApiListener } from '../../../../lib/local/front/http-api.js';
import type { LocalFunctions } from '../../../../lib/local/functions/functions.js';
import { startFunctions } from '../../../../lib/local/functions/functions.js';
import { httpApiEvent, lambdaContext } from '../../../../lib/local/functions/lambda-runtime.js';
import { operations } from '../../../../lib/operations.js';

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
  const results = (await Promise.all(contexts.map((context, i) => functions.invoke(update, invalidUpdate(`id${i}`), context)))) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }[];
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

describe('a function whose module fails to load', () => {
  // Loaded at the function's first invocation, as on Lambda: without TABLE_NAME the module throws at import.
  let broken: LocalFunctions;
  let server: Server;

  beforeAll(async () => {
    broken = await startFunctions({}, { ...process.env, TABLE_NAME: '' });
    server = createServer(
      httpApiListener([{ operation: update, handler: (event, context) => broken.invoke(update, event, context) }], 'us-east-1'),
    );
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });

  afterAll(async () => {
    await new Promise((closed) => server?.close(closed));
    await broken?.close();
  });

  test('does not keep the functions from starting; each invocation of it fails as the function error it is', async () => {
    const context = () => lambdaContext(update, 'us-east-1');

    for (const id of ['a', 'b']) await expect(broken.invoke(update, invalidUpdate(id), context())).rejects.toThrow('the function failed');
  });

  test('is answered as HTTP API answers a failed invocation: 500 Internal Server Error', async () => {
    const { port } = server.address() as AddressInfo;

    const answer = await fetch(`http://127.0.0.1:${port}/clientcertificates/abc`, { method: 'PATCH', body: '{"patchOperations":[]}' });

    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ message: 'Internal Server Error' });
  });
});

test('a compile cache that cannot be written is only not used: the thread starts and answers', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  writeFileSync(join(scratch, 'file'), '');
  const cacheDir = process.env.NODE_COMPILE_CACHE;
  process.env.NODE_COMPILE_CACHE = join(scratch, 'file', 'cache'); // under a file: no directory can be made there
  try {
    const uncached = await startFunctions();
    try {
      const answer = (await uncached.invoke(update, invalidUpdate('c'), lambdaContext(update, 'us-east-1'))) as { statusCode: number };
      expect(answer.statusCode).toBe(400);
    } finally {
      await uncached.close();
    }
  } finally {
    if (cacheDir === undefined) delete process.env.NODE_COMPILE_CACHE;
    else process.env.NODE_COMPILE_CACHE = cacheDir;
    rmSync(scratch, { recursive: true, force: true });
  }
});
