import { GenerateClientCertificateCommand, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import { MAX_FAULT_RULES_PER_ACCOUNT } from '../../../../lib/local/control/faults.js';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { RawResponse } from '../../../support/http.js';
import { send } from '../../../support/http.js';
import { failureOf } from '../../../support/sdk.js';
import { startTestService } from '../../../support/service.js';
import { signed } from '../../../support/signing.js';
import { ADMIN, nsOf, REGION, signedCallers } from './signed-callers.js';

/**
 * The control plane is its caller's: each request acts on the namespace its credentials give it, and
 * on others or on all only when it says so, and (with AUTH=sigv4) only with a key marked for it.
 */

const ONE: SigV4Credentials = { accessKeyId: 'AKIDWORKERONE', secretAccessKey: 'one-secret', accountId: '111111111111' };
const TWO: SigV4Credentials = { accessKeyId: 'AKIDWORKERTWO', secretAccessKey: 'two-secret', accountId: '222222222222' };

let service: LocalService;
const { sdk, control, destroy } = signedCallers(() => service.url);

beforeAll(async () => {
  service = await startTestService({ sigv4: { credentials: [ONE, TWO, ADMIN] } });
});

afterAll(async () => {
  destroy();
  await service.close();
});

beforeEach(async () => {
  expect((await control(ADMIN, 'POST', 'reset?all')).status).toBe(200);
  expect((await control(ADMIN, 'DELETE', 'faults?all')).status).toBe(200);
});

const generate = async (key: SigV4Credentials): Promise<string> =>
  (await sdk(key).send(new GenerateClientCertificateCommand({}))).clientCertificateId!;

const ids = async (key: SigV4Credentials): Promise<string[]> =>
  ((await sdk(key).send(new GetClientCertificatesCommand({}))).items ?? []).map((item) => item.clientCertificateId!);

const expectDenied = (response: RawResponse): void => {
  expect(response.status).toBe(403);
  expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  expect((response.json as { message: string }).message).toContain('all-namespaces');
};

describe('POST /_local/reset', () => {
  it("resets the caller's namespace and no other", async () => {
    await generate(ONE);
    const two = await generate(TWO);

    const response = await control(ONE, 'POST', 'reset');

    expect(response.json).toEqual({ reset: nsOf(ONE), removedItems: 2 });
    expect(await ids(ONE)).toEqual([]);
    expect(await ids(TWO)).toEqual([two]);
  });

  it.each([
    ['?all', 'reset?all'],
    ['?all=true', 'reset?all=true'],
    ["another's namespace", `reset?account=${TWO.accountId}&region=${REGION}`],
    ["its own account's other region", `reset?region=eu-west-1`],
  ])('refuses %s to a key not marked all-namespaces with 403, and removes nothing', async (_, path) => {
    const two = await generate(TWO);

    expectDenied(await control(ONE, 'POST', path));
    expect(await ids(TWO)).toEqual([two]);
  });

  it('lets a key marked all-namespaces reset another namespace, or every one', async () => {
    await generate(ONE);
    await generate(TWO);

    const other = await control(ADMIN, 'POST', `reset?account=${ONE.accountId}&region=${REGION}`);
    const afterOne = [await ids(ONE), (await ids(TWO)).length];
    const all = await control(ADMIN, 'POST', 'reset?all');

    expect(other.json).toEqual({ reset: nsOf(ONE), removedItems: 2 });
    expect(afterOne).toEqual([[], 1]);
    expect(all.json).toEqual({ reset: 'all', removedItems: 2 });
  });

  it("takes ?all=false for the caller's own, and refuses any other value of all with 400", async () => {
    await generate(ONE);
    const two = await generate(TWO);

    const own = await control(ONE, 'POST', 'reset?all=false');
    const odd = await control(ONE, 'POST', 'reset?all=yes');

    expect(own.json).toEqual({ reset: nsOf(ONE), removedItems: 2 });
    expect(odd.status).toBe(400);
    expect(await ids(TWO)).toEqual([two]);
  });
});

describe('GET and PUT /_local/state', () => {
  it("exports the caller's namespace only; another's or all only with a marked key", async () => {
    await generate(ONE);
    await generate(TWO);

    const own = (await control(ONE, 'GET', 'state')).json as { namespaces: object };
    const all = (await control(ADMIN, 'GET', 'state?all')).json as { namespaces: object };

    expect(Object.keys(own.namespaces)).toEqual([nsOf(ONE)]);
    expect(Object.keys(all.namespaces)).toEqual([nsOf(ONE), nsOf(TWO)]);
    expectDenied(await control(ONE, 'GET', 'state?all'));
    expectDenied(await control(ONE, 'GET', `state?account=${TWO.accountId}`));
  });

  it("replaces exactly the caller's namespace, leaving every other one as it was", async () => {
    const one = await generate(ONE);
    const two = await generate(TWO);
    const saved = (await control(ONE, 'GET', 'state')).json;
    await generate(ONE);

    const put = await control(ONE, 'PUT', 'state', saved);

    expect(put.status).toBe(200);
    expect(put.json).toEqual({ imported: { [nsOf(ONE)]: { certificates: 1, quotaSlots: 1 } } });
    expect(await ids(ONE)).toEqual([one]);
    expect(await ids(TWO)).toEqual([two]);
  });

  it("refuses a document naming another's namespace with 403, and changes nothing", async () => {
    await generate(ONE);
    const two = await generate(TWO);
    const before = await control(ADMIN, 'GET', 'state?all');

    const put = await control(ONE, 'PUT', 'state', {
      namespaces: { [nsOf(ONE)]: { certificates: [], quotaSlots: [] }, [nsOf(TWO)]: { certificates: [], quotaSlots: [] } },
    });

    expectDenied(put);
    expect((await control(ADMIN, 'GET', 'state?all')).body.equals(before.body)).toBe(true);
    expect(await ids(TWO)).toEqual([two]);
  });
});

describe('fault rules', () => {
  const failingLists = { operations: ['GetClientCertificates'], action: { error: { type: 'BadRequestException' } } };

  it("without a namespace fire in the creator's namespace only", async () => {
    const added = await control(ONE, 'POST', 'faults', failingLists);

    const one = await failureOf(sdk(ONE).send(new GetClientCertificatesCommand({})));
    const two = await sdk(TWO).send(new GetClientCertificatesCommand({}));

    expect(added.status).toBe(201);
    expect(one.name).toBe('BadRequestException');
    expect(two.items).toEqual([]);
  });

  it("are listed and removed by their own namespace: one worker's DELETE leaves another's rules in force", async () => {
    const mine = ((await control(ONE, 'POST', 'faults', failingLists)).json as { id: string }).id;
    const theirs = ((await control(TWO, 'POST', 'faults', failingLists)).json as { id: string }).id;

    const listedByOne = (await control(ONE, 'GET', 'faults')).json as { rules: { id: string; namespace: string }[] };
    const removed = await control(ONE, 'DELETE', 'faults');
    const two = await failureOf(sdk(TWO).send(new GetClientCertificatesCommand({})));

    expect(listedByOne.rules.map(({ id, namespace }) => [id, namespace])).toEqual([[mine, nsOf(ONE)]]);
    expect(removed.json).toEqual({ removed: 1 });
    expect(two.name).toBe('BadRequestException');
    expect(((await control(TWO, 'GET', 'faults')).json as { rules: { id: string }[] }).rules.map((rule) => rule.id)).toEqual([theirs]);
  });

  it("cannot be removed by id from another's namespace: 404, and the rule stays", async () => {
    const theirs = ((await control(TWO, 'POST', 'faults', failingLists)).json as { id: string }).id;

    const response = await control(ONE, 'DELETE', `faults/${theirs}`);

    expect(response.status).toBe(404);
    expect(((await control(TWO, 'GET', 'faults')).json as { rules: unknown[] }).rules).toHaveLength(1);
  });

  it.each([
    ["another's namespace", nsOf(TWO)],
    ['every namespace', '*'],
  ])('naming %s are refused to a key not marked all-namespaces with 403', async (_, namespace) => {
    expectDenied(await control(ONE, 'POST', 'faults', { ...failingLists, namespace }));
    expect(((await control(ADMIN, 'GET', 'faults?all')).json as { rules: unknown[] }).rules).toEqual([]);
  });

  it('for every namespace, added by a marked key, fire in each and are listed to each', async () => {
    await control(ADMIN, 'POST', 'faults', { ...failingLists, namespace: '*' });

    const failures = await Promise.all([ONE, TWO].map((key) => failureOf(sdk(key).send(new GetClientCertificatesCommand({})))));
    const listedByOne = (await control(ONE, 'GET', 'faults')).json as { rules: { namespace: string; hits: number }[] };

    expect(failures.map((failure) => failure.name)).toEqual(['BadRequestException', 'BadRequestException']);
    expect(listedByOne.rules).toMatchObject([{ namespace: '*', hits: 2 }]);
  });

  it(`are bounded: past ${MAX_FAULT_RULES_PER_ACCOUNT} in an account, 429 LimitExceededException, in any region, and other accounts still add theirs`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= MAX_FAULT_RULES_PER_ACCOUNT; i++) statuses.push((await control(ONE, 'POST', 'faults', failingLists)).status);
    const full = await control(ONE, 'POST', 'faults', failingLists);
    const other = await control(TWO, 'POST', 'faults', failingLists);

    expect(statuses.slice(0, -1).every((status) => status === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(full.headers['x-amzn-errortype']).toBe('LimitExceededException');
    expect(other.status).toBe(201);
  });

  it.each([
    [
      'a message over 1024 characters',
      { operations: ['GetTags'], action: { error: { type: 'BadRequestException', message: 'x'.repeat(1025) } } },
    ],
    ['a certificate id that is none', { operations: ['GetTags'], certificateId: 'x'.repeat(100), action: { answerLost: true } }],
    ['an operation named twice', { operations: ['GetTags', 'GetTags'], action: { answerLost: true } }],
  ])('refuse %s with 400', async (_, rule) => {
    const response = await control(ONE, 'POST', 'faults', rule);

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
  });

  it('answer a path whose percent-encoding is broken with 404, not 503', async () => {
    const response = await control(ONE, 'DELETE', 'faults/%');

    expect(response.status).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('NotFoundException');
  });
});

describe('GET /_local/health', () => {
  it('carries an x-amzn-RequestId, as every answer does', async () => {
    const response = await control(ONE, 'GET', 'health');

    expect(response.status).toBe(200);
    expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

test('a key listed alone (a CREDENTIALS_FILE of one line) still needs the mark to act beyond its namespace', async () => {
  const alone = await startTestService({ sigv4: { credentials: [ONE] } });
  try {
    const signedAll = await signed(alone.url, { method: 'POST', path: '/_local/reset?all' }, { credentials: ONE, region: REGION });
    const response = await send(alone.url, signedAll);

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  } finally {
    await alone.close();
  }
});

describe('without signatures (AUTH=none)', () => {
  let open: LocalService;

  beforeAll(async () => {
    open = await startTestService();
  });

  afterAll(async () => {
    await open.close();
  });

  it('an unsigned reset empties the default namespace only; ?all still names every one, explicitly', async () => {
    const client = sdk({ accessKeyId: ONE.accountId!, secretAccessKey: 'x' }, open.url);
    await client.send(new GenerateClientCertificateCommand({}));

    const own = await send(open.url, { method: 'POST', path: '/_local/reset' });
    const kept = ((await client.send(new GetClientCertificatesCommand({}))).items ?? []).length;
    const all = await send(open.url, { method: 'POST', path: '/_local/reset?all' });

    expect(own.json).toEqual({ reset: `000000000000#${REGION}`, removedItems: 0 });
    expect(kept).toBe(1);
    expect(all.json).toEqual({ reset: 'all', removedItems: 2 });
  });
});
