import { setTimeout as sleep } from 'node:timers/promises';
import { APIGatewayClient, TagResourceCommand, UpdateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { VALIDITY_SECONDS } from '../../../../lambda/domain/client-certificate.js';
import { MAX_PEM_LENGTH } from '../../../../lambda/domain/pem.js';
import { LAST_RENDERABLE_DATE } from '../../../../lambda/http/representations.js';
import { documentClient } from '../../../../lambda/store/client.js';
import { MAX_VERSION } from '../../../../lambda/store/item.js';
import { StoreState } from '../../../../lib/local/control/state.js';
import type { StateDocument } from '../../../../lib/local/control/state-document.js';
import { MAX_IMPORT_ITEMS, namespaceOf, parseStateDocument } from '../../../../lib/local/control/state-document.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { Fault, FaultProxy } from '../../../support/fault-proxy.js';
import { isAwsShapedError, send } from '../../../support/http.js';
import { startTestServiceBehindProxy } from '../../../support/service.js';

/**
 * StoreState, the store seen whole (lib/local/control/state.ts), through the control plane of a running
 * local service whose store sits behind a fault proxy: what an import replaces, that it is all or
 * nothing when the store fails under it, and that what it accepts every later request can serve.
 */

let service: LocalService;
let proxy: FaultProxy;
const REGION = 'us-east-1';
const A = `111111111111#${REGION}`;
const B = `222222222222#${REGION}`;
const C = `333333333333#${REGION}`;
const QUOTA = 60;

const PEM = ['-----BEGIN CERTIFICATE-----', 'MIIBszCCAVmgAwIBAgIIK', '-----END CERTIFICATE-----'].join('\r\n');

/** A certificate as a state document holds it, in slot `quotaSlot`, with `changes` made to it. */
const certificate = (clientCertificateId: string, quotaSlot: number, changes: Record<string, unknown> = {}) => ({
  clientCertificateId,
  description: `certificate ${clientCertificateId}`,
  pemEncodedCertificate: PEM,
  createdDate: 1_700_000_000,
  expirationDate: 1_700_000_000 + VALIDITY_SECONDS,
  tags: { team: 'blue' },
  version: 1,
  quotaSlot,
  ...changes,
});

/** A namespace holding `certificates`, each with its slot claimed. */
const holding = (...certificates: ReturnType<typeof certificate>[]) => ({
  certificates,
  quotaSlots: certificates.map(({ clientCertificateId, quotaSlot }) => ({ index: quotaSlot, owner: clientCertificateId, claimedAt: 1 })),
});

/** `count` certificates, ids `<prefix>000`, `<prefix>001`... in slots from 0. */
const many = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => certificate(`${prefix}${String(i).padStart(3, '0')}`, i));

const client = (namespace: string) =>
  new APIGatewayClient({
    endpoint: service.url,
    region: namespace.split('#')[1]!,
    credentials: { accessKeyId: namespace.split('#')[0]!, secretAccessKey: 'secret' },
  });

const exported = async (): Promise<string> => JSON.stringify(await service.control.exportState());

const putState = (document: unknown) =>
  send(service.url, {
    method: 'PUT',
    path: '/_local/state',
    headers: { 'content-type': 'application/json' },
    body: typeof document === 'string' ? document : JSON.stringify(document),
  });

/** The proxy's new weather, once the connections it cut are seen to be gone. */
const storeDoes = async (fault: Fault): Promise<void> => {
  proxy.set(fault);
  await sleep(50);
};

const importFailure = async (document: unknown): Promise<Error & { type?: string }> => {
  try {
    await service.control.importState(document);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the import to fail, but it succeeded');
};

beforeAll(async () => {
  ({ service, proxy } = await startTestServiceBehindProxy());
});

afterAll(async () => {
  await service?.close();
  await proxy?.close();
});

beforeEach(async () => {
  await storeDoes({ mode: 'pass' });
  await service.control.reset();
});

describe('import', () => {
  it('replaces exactly the namespaces the document names: one named with empty lists is emptied, the others untouched', async () => {
    await service.control.importState({
      namespaces: {
        [A]: holding(certificate('aaa001', 0)),
        [B]: holding(certificate('bbb001', 1)),
        [C]: holding(certificate('ccc001', 2)),
      },
    });

    await service.control.importState({
      namespaces: { [A]: holding(certificate('aaa002', 5)), [B]: { certificates: [], quotaSlots: [] } },
    });
    const after = await service.control.exportState();

    expect(Object.keys(after.namespaces)).toEqual([A, C]);
    expect(after.namespaces[A]).toEqual(holding(certificate('aaa002', 5)));
    expect(after.namespaces[C]).toEqual(holding(certificate('ccc001', 2)));
  });

  it('exports only the namespaces asked for, in the same bytes as they have in the whole export', async () => {
    const document = { namespaces: { [A]: holding(certificate('aaa001', 0)), [B]: holding(certificate('bbb001', 1)), [C]: holding() } };
    await service.control.importState(document);

    const whole = await service.control.exportState();
    const some = await stateOf(A, C, A);

    expect(JSON.stringify(some)).toBe(JSON.stringify({ namespaces: { [A]: whole.namespaces[A] } }));
  });

  it.each([
    ['refuses the first write', { mode: 'throttle', skip: 0, times: 1 }],
    ['refuses a write half-way', { mode: 'throttle', skip: 4, times: 1 }],
    ['refuses the last write', { mode: 'throttle', skip: 11, times: 1 }],
    ['applies a write and loses its answer', { mode: 'lose-response', skip: 6, times: 1 }],
  ] as const)('when the store %s, the state stays byte for byte as it was and the error says nothing changed', async (_, fault) => {
    await service.control.importState({ namespaces: { [A]: holding(...many('aaa', 60)), [B]: holding(...many('bbb', 40)) } });
    const before = await exported();
    // A's 60 certificates and slots put and its 60 old certificates deleted, B's 80 items deleted, C's
    // 20 put: 280 writes, in 12 batches.
    const document = { namespaces: { [A]: holding(...many('zzz', 60)), [B]: holding(), [C]: holding(...many('ccc', 10)) } };

    await storeDoes({ ...fault, only: 'BatchWriteItem' });
    const failure = await importFailure(document);
    const faulted = proxy.calls.faulted.length;
    await storeDoes({ mode: 'pass' });

    expect(faulted).toBe(1);
    expect(failure.type).toBe('ServiceUnavailableException');
    expect(failure.message).toContain('The state import failed and nothing changed');
    expect(await exported()).toBe(before);
  });

  it('answers a failed import 503 with the reason, AWS-shaped, and changes nothing', async () => {
    await service.control.importState({ namespaces: { [A]: holding(...many('aaa', 30)) } });
    const before = await exported();

    await storeDoes({ mode: 'throttle', only: 'BatchWriteItem', skip: 1, times: 1 });
    const response = await putState({ namespaces: { [A]: holding(...many('zzz', 30)) } });
    await storeDoes({ mode: 'pass' });

    expect(response.status).toBe(503);
    expect(isAwsShapedError(response)).toBe(true);
    expect(response.headers['x-amzn-errortype']).toBe('ServiceUnavailableException');
    expect((response.json as { message: string }).message).toMatch(/^The state import failed and nothing changed \(.*throughput.*\)$/);
    expect(await exported()).toBe(before);
  });

  it('says plainly when putting the state back failed too', async () => {
    await service.control.importState({ namespaces: { [A]: holding(...many('aaa', 30)) } });

    await storeDoes({ mode: 'throttle', only: 'BatchWriteItem', skip: 1 });
    const failure = await importFailure({ namespaces: { [A]: holding(...many('zzz', 30)) } });
    await storeDoes({ mode: 'pass' });

    expect(failure.type).toBe('ServiceUnavailableException');
    expect(failure.message).toContain(
      'The state import failed and putting back the state from before it failed too (3 tries): the 1 namespaces it names may hold part of the document',
    );
  });
});

describe('what the parser refuses, with 400 naming the member, before anything changes', () => {
  const refusals: [string, unknown, string][] = [
    [
      'a quota-slot owner that is no certificate id (500 KB, past what DynamoDB stores)',
      { namespaces: { [A]: { certificates: [], quotaSlots: [{ index: 0, owner: 'x'.repeat(500_000), claimedAt: 1 }] } } },
      `namespaces["${A}"].quotaSlots[0].owner must be the id of the certificate that claimed it`,
    ],
    [
      'stale quota slots sharing an owner (Generate reads owners back in one batch, which takes no duplicate key)',
      {
        namespaces: {
          [A]: {
            certificates: [],
            quotaSlots: [
              { index: 0, owner: 'gone01', claimedAt: 1 },
              { index: 1, owner: 'gone01', claimedAt: 1 },
            ],
          },
        },
      },
      `namespaces["${A}"].quotaSlots[1].owner repeats gone01`,
    ],
    [
      'an expiration that is not the creation plus 365 days',
      { namespaces: { [A]: holding(certificate('abc123', 0, { expirationDate: 1_700_000_001 })) } },
      '.certificates[0].expirationDate must be createdDate + 31536000',
    ],
    [
      'a PEM that is not one',
      { namespaces: { [A]: holding(certificate('abc123', 0, { pemEncodedCertificate: 'not a certificate' })) } },
      `.certificates[0].pemEncodedCertificate must be a PEM certificate of at most ${MAX_PEM_LENGTH} characters`,
    ],
    [
      'a PEM longer than any certificate',
      {
        namespaces: {
          [A]: holding(
            certificate('abc123', 0, {
              pemEncodedCertificate: PEM.replace('\r\n-----END', `\r\n${'A'.repeat(MAX_PEM_LENGTH)}\r\n-----END`),
            }),
          ),
        },
      },
      '.certificates[0].pemEncodedCertificate must be a PEM certificate',
    ],
    [
      `more than ${MAX_IMPORT_ITEMS} items`,
      { namespaces: { [A]: { certificates: [], quotaSlots: Array.from({ length: MAX_IMPORT_ITEMS }, () => ({})) } } },
      `the document holds more than ${MAX_IMPORT_ITEMS} namespaces, certificates and quota slots, the most one import takes`,
    ],
  ];

  it.each(refusals)('refuses %s', async (_, document, problem) => {
    await service.control.importState({ namespaces: { [A]: holding(certificate('kept01', 3)) } });
    const before = await exported();

    const response = await putState(document);

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect((response.json as { message: string }).message).toContain(problem);
    expect(await exported()).toBe(before);
  });

  it('counts every namespace, certificate and slot towards the limit, and takes a document of exactly the limit', () => {
    const namespaces = (extra: number) =>
      Object.fromEntries(
        Array.from({ length: (MAX_IMPORT_ITEMS + extra) / 25 }, (_, n) => [
          `${String(n).padStart(12, '0')}#${REGION}`,
          holding(...many('a', 12).map((c) => ({ ...c, clientCertificateId: `${c.clientCertificateId}xx` }))),
        ]),
      );

    expect(() => parseStateDocument({ namespaces: namespaces(0) }, QUOTA)).not.toThrow();
    expect(() => parseStateDocument({ namespaces: namespaces(25) }, QUOTA)).toThrow(`more than ${MAX_IMPORT_ITEMS}`);
  });
});

describe('where the parser draws its lines, and what later requests make of what it takes', () => {
  it(`takes versions up to ${MAX_VERSION}, whose certificates can still be updated and tagged, and refuses one more`, async () => {
    const at = (version: number) => ({ namespaces: { [A]: holding(certificate('abc123', 0, { version })) } });
    const past = await putState(at(MAX_VERSION + 1));
    await service.control.importState(at(MAX_VERSION));

    const updated = await client(A).send(
      new UpdateClientCertificateCommand({
        clientCertificateId: 'abc123',
        patchOperations: [{ op: 'replace', path: '/description', value: 'after' }],
      }),
    );
    await client(A).send(
      new TagResourceCommand({ resourceArn: `arn:aws:apigateway:${REGION}::/clientcertificates/abc123`, tags: { k: 'v' } }),
    );
    const state = await service.control.exportState();

    expect(past.status).toBe(400);
    expect((past.json as { message: string }).message).toContain(
      `.certificates[0].version must be a whole number from 1 to ${MAX_VERSION}`,
    );
    expect(updated.description).toBe('after');
    expect(state.namespaces[A]!.certificates[0]!.version).toBe(MAX_VERSION + 2);
  });

  it('takes an expiration up to the last second the HAL form writes, served by Get and List, and refuses one later', async () => {
    const expiringAt = (expirationDate: number) => ({
      namespaces: { [A]: holding(certificate('abc123', 0, { createdDate: expirationDate - VALIDITY_SECONDS, expirationDate })) },
    });
    // Past 8.64e12 seconds a Date cannot be written at all: the HAL form's answer was a 500.
    const unwritable = await putState(expiringAt(8_640_000_000_001));
    const past = await putState(expiringAt(LAST_RENDERABLE_DATE + 1));
    await service.control.importState(expiringAt(LAST_RENDERABLE_DATE));
    const signedForA = `AWS4-HMAC-SHA256 Credential=${A.split('#')[0]}/20261207/${REGION}/apigateway/aws4_request, SignedHeaders=host, Signature=00`;

    const get = await send(service.url, {
      path: '/clientcertificates/abc123',
      headers: { authorization: signedForA, 'x-amz-date': '20261207T000000Z' },
    });
    const list = await send(service.url, {
      path: '/clientcertificates',
      headers: { authorization: signedForA, 'x-amz-date': '20261207T000000Z' },
    });

    for (const refused of [unwritable, past]) {
      expect(refused.status).toBe(400);
      expect((refused.json as { message: string }).message).toContain(
        `.certificates[0].createdDate must be a whole number from 0 to ${LAST_RENDERABLE_DATE - VALIDITY_SECONDS}`,
      );
    }
    expect(get.status).toBe(200);
    expect(get.json).toMatchObject({ expirationDate: '9999-12-31T23:59:59Z' });
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ _embedded: { item: { expirationDate: '9999-12-31T23:59:59Z' } } });
  });
});

/** The export of the namespaces under `keys` only, from a StoreState of the test's own. */
const stateOf = async (...keys: string[]): Promise<StateDocument> => {
  const store = documentClient(service.store);
  try {
    return await new StoreState(store, service.store.tableName).export(keys.map(namespaceOf));
  } finally {
    store.destroy();
  }
};
