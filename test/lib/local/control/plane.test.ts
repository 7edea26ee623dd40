import { readFileSync } from 'node:fs';
import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  TagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import { parseStateDocument } from '../../../../lib/local/control/state-document.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { FaultProxy } from '../../../support/fault-proxy.js';
import type { RawResponse } from '../../../support/http.js';
import { send } from '../../../support/http.js';
import { failureOf } from '../../../support/sdk.js';
import { startTestServiceBehindProxy } from '../../../support/service.js';
import { until } from '../../../support/wait.js';

/**
 * The control plane under /_local/, driven as a harness team drives it: over HTTP, next to the real
 * AWS SDK with its default retries, on the real local service and store (with a pass-through proxy
 * in front of the store, so that the store can be taken away).
 */

let service: LocalService;
let proxy: FaultProxy;
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
const REGION = 'us-east-1';

/** A client signing with a 12-digit access key, which the service takes as the account: its namespace. */
const sdk = (account = ACCOUNT_A) =>
  new APIGatewayClient({ endpoint: service.url, region: REGION, credentials: { accessKeyId: account, secretAccessKey: 'secret' } });

/** The Authorization header of a request in `account`'s namespace: unverified here (AUTH=none), read all the same. */
const signedAs = (account: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261130/${REGION}/apigateway/aws4_request, SignedHeaders=host, Signature=00`,
  'x-amz-date': '20261130T000000Z',
});

/** A control request, made as account A unless told another account, as a harness worker makes it. */
const control = (method: string, path: string, body?: unknown, account = ACCOUNT_A): Promise<RawResponse> =>
  send(service.url, {
    method,
    path: `/_local/${path}`,
    headers: {
      ...signedAs(account),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

const addFault = async (rule: unknown): Promise<string> => {
  const response = await control('POST', 'faults', rule);
  expect(response.status).toBe(201);
  return (response.json as { id: string }).id;
};

const listed = async () => ((await control('GET', 'faults')).json as { rules: { id: string; hits: number; matched: number }[] }).rules;

const generate = async (account = ACCOUNT_A, description = 'made') =>
  (await sdk(account).send(new GenerateClientCertificateCommand({ description }))).clientCertificateId!;

beforeAll(async () => {
  ({ service, proxy } = await startTestServiceBehindProxy());
});

afterAll(async () => {
  await service?.close();
  await proxy?.close();
});

beforeEach(async () => {
  proxy.set({ mode: 'pass' });
  expect((await control('DELETE', 'faults?all')).status).toBe(200);
  expect((await control('POST', 'reset?all')).status).toBe(200);
});

describe('GET /_local/health', () => {
  it('answers 200 with the package version, the uptime and the store available', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

    const response = await control('GET', 'health');

    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok', version, uptimeSeconds: expect.any(Number), store: { status: 'available' } });
  });

  it('answers 503 while the store is unreachable, and 200 once it is back', async () => {
    proxy.set({ mode: 'down' });
    const down = await control('GET', 'health');
    proxy.set({ mode: 'pass' });
    const back = await control('GET', 'health');

    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ status: 'unavailable', store: { status: 'unreachable' } });
    expect(back.status).toBe(200);
  });
});

describe('POST /_local/reset', () => {
  it("removes the caller's own namespace only, unless told another or all", async () => {
    const a = await generate(ACCOUNT_A);
    const b = await generate(ACCOUNT_B);

    const own = await send(service.url, { method: 'POST', path: `/_local/reset?account=${ACCOUNT_A}&region=${REGION}` });
    const aGone = await failureOf(sdk(ACCOUNT_A).send(new GetClientCertificateCommand({ clientCertificateId: a })));
    const bKept = await sdk(ACCOUNT_B).send(new GetClientCertificateCommand({ clientCertificateId: b }));
    const all = await control('POST', 'reset?all');

    expect(own.json).toEqual({ reset: `${ACCOUNT_A}#${REGION}`, removedItems: 2 }); // the certificate and its quota slot
    expect(aGone.name).toBe('NotFoundException');
    expect(bKept.clientCertificateId).toBe(b);
    expect(all.json).toEqual({ reset: 'all', removedItems: 2 });
  });

  it('without a namespace resets the one the request is signed for', async () => {
    await generate(ACCOUNT_B);
    const response = await send(service.url, { method: 'POST', path: '/_local/reset', headers: signedAs(ACCOUNT_B) });

    expect(response.json).toEqual({ reset: `${ACCOUNT_B}#${REGION}`, removedItems: 2 });
  });

  it('waits for an invocation under way and holds new ones until it is done: each sees before or after', async () => {
    // The Generate's writes are held 1.2 s each in the store (longer would pass the store's own 2 s
    // request timeout): time for the reset to arrive and wait, then the list; only that is timed, below.
    proxy.set({ mode: 'pass', delayMs: (operation) => (operation === 'PutItem' ? 1_200 : 0) });
    const finished: string[] = [];
    const done =
      <T>(name: string) =>
      (value: T): T => {
        finished.push(name);
        return value;
      };
    const generating = generate().then(done('generate'));
    await until('the Generate is writing', () => proxy.calls.faulted.includes('PutItem'));
    const resetting = control('POST', 'reset?all').then(done('reset'));
    // Nothing tells when the reset has reached its gate: the list is sent well after it, well inside the writes' delay.
    await new Promise((wait) => setTimeout(wait, 300));
    const listing = sdk().send(new GetClientCertificatesCommand({})).then(done('list'));

    const [, reset, list] = await Promise.all([generating, resetting, listing]);

    expect(finished).toEqual(['generate', 'reset', 'list']);
    expect(reset.json).toEqual({ reset: 'all', removedItems: 2 });
    expect(list.items).toEqual([]);
  });

  it('lands between Generates, never inside one: after each reset every certificate holds its quota slot', async () => {
    // Slow writes widen the window between a Generate's two writes (its slot, then its certificate).
    proxy.set({ mode: 'pass', delayMs: (operation) => (operation === 'PutItem' ? 100 : 0) });
    const states: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      const generates = Array.from({ length: 10 }, (_, i) => generate(i % 2 === 0 ? ACCOUNT_A : ACCOUNT_B));
      await Promise.race(generates); // the others are under way now
      await control('POST', 'reset?all');
      await Promise.all(generates);
      states.push((await control('GET', 'state')).json);
    }

    for (const state of states) expect(() => parseStateDocument(state, 60)).not.toThrow();
  });
});

describe('GET and PUT /_local/state', () => {
  it('round-trips exactly: export, reset, import, export gives the same bytes', async () => {
    const id = await generate(ACCOUNT_A, 'to keep');
    await sdk().send(
      new UpdateClientCertificateCommand({
        clientCertificateId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'kept' }],
      }),
    );
    await sdk().send(
      new TagResourceCommand({ resourceArn: `arn:aws:apigateway:${REGION}::/clientcertificates/${id}`, tags: { team: 'a', '123': 'n' } }),
    );
    await generate(ACCOUNT_B, 'other');

    const first = await control('GET', 'state?all');
    await control('POST', 'reset?all');
    const put = await control('PUT', 'state', first.body.toString());
    const second = await control('GET', 'state?all');

    expect(put.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(first.json).toMatchObject({
      namespaces: {
        [`${ACCOUNT_A}#${REGION}`]: { certificates: [{ clientCertificateId: id, description: 'kept', tags: { team: 'a' }, version: 3 }] },
      },
    });
  });

  it.each([
    ['not JSON', '{', 'Invalid request body: not JSON'],
    ['a bad namespace', { namespaces: { nowhere: { certificates: [], quotaSlots: [] } } }, 'namespaces["nowhere"] is not a namespace'],
    [
      'a certificate without its slot',
      { namespaces: { [`${ACCOUNT_A}#${REGION}`]: { certificates: [certificate('abc123', 0)], quotaSlots: [] } } },
      '.quotaSlot slot 0 must be listed',
    ],
    ['an unknown member', { namespaces: {}, extra: 1 }, 'has an unknown member "extra"'],
  ])('refuses %s with 400 naming what is wrong, and changes nothing', async (_, document, problem) => {
    await generate();
    const before = await control('GET', 'state');

    const response = await control('PUT', 'state', document);
    const after = await control('GET', 'state');

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect((response.json as { message: string }).message).toContain(problem);
    expect(after.body.equals(before.body)).toBe(true);
  });
});

describe('POST /_local/faults', () => {
  it('two 503s then nothing: the SDK succeeds on its third attempt and the rule counts two hits', async () => {
    const id = await generate();
    await addFault({ operations: ['GetClientCertificate'], action: { error: { type: 'ServiceUnavailableException' } }, when: { next: 2 } });

    const answer = await sdk().send(new GetClientCertificateCommand({ clientCertificateId: id }));

    expect(answer.$metadata.attempts).toBe(3);
    expect(answer.clientCertificateId).toBe(id);
    expect(await listed()).toMatchObject([{ hits: 2, matched: 3 }]);
  });

  it('answers an error with its status, type and Retry-After, and writes nothing', async () => {
    const id = await generate(ACCOUNT_A, 'before');
    await addFault({
      operations: ['UpdateClientCertificate'],
      certificateId: id,
      action: { error: { type: 'TooManyRequestsException', status: 429, message: 'slow down' } },
    });

    const response = await send(service.url, {
      method: 'PATCH',
      path: `/clientcertificates/${id}`,
      headers: {
        'content-type': 'application/json',
        ...signedAs(ACCOUNT_A),
      },
      body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'after' }] }),
    });
    const stored = await sdk().send(new GetClientCertificateCommand({ clientCertificateId: id }));

    expect(response.status).toBe(429);
    expect(response.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json).toEqual({ message: 'slow down' });
    expect(stored.description).toBe('before');
  });

  it('selects by namespace: a rule for account B leaves account A alone', async () => {
    await addFault({
      operations: ['GetClientCertificates'],
      namespace: `${ACCOUNT_B}#${REGION}`,
      action: { error: { type: 'BadRequestException' } },
    });

    const a = await sdk(ACCOUNT_A).send(new GetClientCertificatesCommand({}));
    const b = await failureOf(sdk(ACCOUNT_B).send(new GetClientCertificatesCommand({})));

    expect(a.items).toEqual([]);
    expect(b.name).toBe('BadRequestException');
  });

  it('"answer lost" on Update: the work lands, the connection drops, the SDK retries and the client sees 200', async () => {
    const id = await generate(ACCOUNT_A, 'before');
    await addFault({ operations: ['UpdateClientCertificate'], action: { answerLost: true }, when: { next: 1 } });

    const answer = await sdk().send(
      new UpdateClientCertificateCommand({
        clientCertificateId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'after' }],
      }),
    );
    const state = (await control('GET', 'state')).json as { namespaces: Record<string, { certificates: { version: number }[] }> };

    expect(answer.$metadata.attempts).toBe(2);
    expect(answer.description).toBe('after');
    // Both attempts were applied: the lost one and the retry (version 1 + 2 updates).
    expect(state.namespaces[`${ACCOUNT_A}#${REGION}`]!.certificates[0]!.version).toBe(3);
    expect(await listed()).toMatchObject([{ hits: 1 }]);
  });

  it('"answer lost" on Generate: the SDK retries, and the client holds one certificate while two exist', async () => {
    await addFault({ operations: ['GenerateClientCertificate'], action: { answerLost: true }, when: { next: 1 } });

    const answer = await sdk().send(new GenerateClientCertificateCommand({ description: 'once' }));
    const all = await sdk().send(new GetClientCertificatesCommand({}));

    expect(answer.$metadata.attempts).toBe(2);
    expect(all.items?.map((item) => item.description)).toEqual(['once', 'once']);
  });

  it('delays after the work: the write is visible before its answer arrives', async () => {
    const id = await generate(ACCOUNT_A, 'before');
    // Long enough that a busy machine sees the write well before the answer; the write is awaited, not timed.
    await addFault({ operations: ['UpdateClientCertificate'], action: { delayMs: 3_000, when: 'after' } });

    const updating = sdk().send(
      new UpdateClientCertificateCommand({
        clientCertificateId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'after' }],
      }),
    );
    let answered = false;
    void updating.then(() => (answered = true));
    let seen: string | undefined;
    const read = async () => (seen = (await sdk().send(new GetClientCertificateCommand({ clientCertificateId: id }))).description);
    while ((await read()) !== 'after' && !answered);
    const answeredEarly = answered;
    await updating;

    expect(seen).toBe('after');
    expect(answeredEarly).toBe(false);
  });

  it('delays before the work by the given time', async () => {
    await addFault({ operations: ['GetClientCertificates'], action: { delayMs: 300, when: 'before' } });

    const started = Date.now();
    await sdk().send(new GetClientCertificatesCommand({}));

    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('fires on every k-th matching request', async () => {
    await addFault({ operations: ['GetClientCertificates'], action: { error: { type: 'BadRequestException' } }, when: { every: 3 } });

    const statuses = await statusesOf(7);

    expect(statuses).toEqual([200, 200, 400, 200, 200, 400, 200]);
  });

  it('with a seed, repeats its pattern exactly', async () => {
    const rule = {
      operations: ['GetClientCertificates'],
      action: { error: { type: 'BadRequestException' } },
      when: { probability: 0.5, seed: 42 },
    };
    await addFault(rule);
    const first = await statusesOf(20);
    await control('DELETE', 'faults');
    await addFault(rule);
    const second = await statusesOf(20);
    await control('DELETE', 'faults');
    await addFault({ ...rule, when: { probability: 0.5, seed: 7 } });
    const otherSeed = await statusesOf(20);

    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 400]));
    expect(otherSeed).not.toEqual(first);
  });

  it.each([
    ['an unknown operation', { operations: ['GetRestApis'], action: { answerLost: true } }, 'unknown operation "GetRestApis"'],
    [
      'an error the operation cannot answer',
      { operations: ['GetTags'], action: { error: { type: 'ConflictException' } } },
      'GetTags cannot answer "ConflictException"',
    ],
    [
      "a status that is not the error's",
      { operations: ['GetTags'], action: { error: { type: 'NotFoundException', status: 400 } } },
      'NotFoundException is answered with 404',
    ],
    [
      'a probability outside 0..1',
      { operations: ['GetTags'], action: { answerLost: true }, when: { probability: 1.5, seed: 1 } },
      "'when.probability' must be a number from 0 to 1",
    ],
    ['no action', { operations: ['GetTags'] }, "'action' must be a JSON object"],
  ])('refuses %s with 400 naming it, and adds nothing', async (_, rule, problem) => {
    const response = await control('POST', 'faults', rule);

    expect(response.status).toBe(400);
    expect((response.json as { message: string }).message).toContain(problem);
    expect(await listed()).toEqual([]);
  });

  it('lists rules with their hit counts; DELETE removes one by id, then all', async () => {
    const one = await addFault({ operations: ['GetTags'], action: { answerLost: true } });
    const two = await addFault({ operations: ['GetClientCertificates'], action: { error: { type: 'BadRequestException' } } });
    await statusesOf(1);

    const before = await listed();
    const removedOne = await control('DELETE', `faults/${one}`);
    const again = await control('DELETE', `faults/${one}`);
    const after = await listed();
    await control('DELETE', 'faults');

    expect(before).toMatchObject([
      { id: one, hits: 0 },
      { id: two, hits: 1 },
    ]);
    expect(removedOne.status).toBe(200);
    expect(again.status).toBe(404);
    expect(after.map((rule) => rule.id)).toEqual([two]);
    expect(await listed()).toEqual([]);
  });
});

/** The statuses of `n` listings in a row, sent one at a time without retries. */
const statusesOf = async (n: number): Promise<number[]> => {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++)
    statuses.push((await send(service.url, { path: '/clientcertificates', headers: signedAs(ACCOUNT_A) })).status);
  return statuses;
};

function certificate(clientCertificateId: string, quotaSlot: number) {
  const pemEncodedCertificate = '-----BEGIN CERTIFICATE-----\r\nAA==\r\n-----END CERTIFICATE-----';
  return {
    clientCertificateId,
    pemEncodedCertificate,
    createdDate: 1,
    expirationDate: 1 + 365 * 24 * 3600,
    tags: {},
    version: 1,
    quotaSlot,
  };
}
