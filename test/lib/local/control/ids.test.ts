import { GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { seededClientCertificateId } from '../../../../lib/local/base/seeded-id.js';
import { MAX_SET_PER_ACCOUNT } from '../../../../lib/local/control/per-namespace.js';
import { controlClient } from '../../../../lib/local/control-client.js';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { startTestService } from '../../../support/service.js';
import { ADMIN, nsOf, REGION, signedCallers } from './signed-callers.js';

/**
 * Repeatable ids: once a namespace has a seed, the ids generated there follow the seed's one sequence
 * (lib/local/base/seeded-id.ts pins its first ids), whatever happens elsewhere, through the real
 * service and the AWS SDK.
 */

const ONE: SigV4Credentials = { accessKeyId: 'AKIDONE', secretAccessKey: 'one-secret', accountId: '111111111111' };
const TWO: SigV4Credentials = { accessKeyId: 'AKIDTWO', secretAccessKey: 'two-secret', accountId: '222222222222' };
const THREE: SigV4Credentials = { accessKeyId: 'AKIDTHREE', secretAccessKey: 'three-secret', accountId: '333333333333' };
const KEYS = [ONE, TWO, THREE, ADMIN];

const SEED = 'snapshot-tests';
const sequenceOf = (seed: string, length: number) => Array.from({ length }, (_, n) => seededClientCertificateId(seed, n));

let service: LocalService;
const { sdk, control, destroy } = signedCallers(() => service.url);

beforeAll(async () => {
  service = await startTestService({ sigv4: { credentials: KEYS } });
});

afterAll(async () => {
  destroy();
  await service.close();
});

beforeEach(async () => {
  expect((await control(ADMIN, 'POST', 'reset?all')).status).toBe(200);
  expect((await control(ADMIN, 'DELETE', 'ids?all')).status).toBe(200);
});

/** `count` certificates generated one after another; their ids. */
const generated = async (key: SigV4Credentials, count: number, url = service.url): Promise<string[]> => {
  const client = sdk(key, url);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await client.send(new GenerateClientCertificateCommand({}))).clientCertificateId!);
  return ids;
};

const seed = async (key: SigV4Credentials, value: string) => expect((await control(key, 'PUT', 'ids', { seed: value })).status).toBe(200);

describe('PUT /_local/ids', () => {
  it("makes the namespace's Generates take the seed's ids in order, and GET shows the seed, the ids drawn and the next", async () => {
    const put = await control(ONE, 'PUT', 'ids', { seed: SEED });

    const ids = await generated(ONE, 3);
    const shown = await control(ONE, 'GET', 'ids');

    expect(put.json).toEqual({ namespace: nsOf(ONE), seed: SEED, drawn: 0, next: sequenceOf(SEED, 1)[0] });
    expect(ids).toEqual(sequenceOf(SEED, 3));
    expect(shown.json).toEqual({ namespace: nsOf(ONE), seed: SEED, drawn: 3, next: sequenceOf(SEED, 4)[3] });
  });

  it('gives two namespaces seeded alike the same sequence while both generate at once, beside one with random ids', async () => {
    await seed(ONE, SEED);
    await seed(TWO, SEED);

    const [one, two, three] = await Promise.all([generated(ONE, 4), generated(TWO, 4), generated(THREE, 4)]);

    expect(one).toEqual(sequenceOf(SEED, 4));
    expect(two).toEqual(sequenceOf(SEED, 4));
    expect(three.filter((id) => sequenceOf(SEED, 4).includes(id))).toEqual([]);
  });

  it('draws each id of the sequence once when one namespace generates many at once', async () => {
    await seed(ONE, SEED);
    const client = sdk(ONE);

    const ids = await Promise.all(Array.from({ length: 6 }, () => client.send(new GenerateClientCertificateCommand({}))));

    expect(ids.map((answer) => answer.clientCertificateId).sort()).toEqual(sequenceOf(SEED, 6).sort());
  });

  it("in one namespace leaves another's sequence where it was", async () => {
    await seed(ONE, SEED);
    await seed(TWO, 'another');

    const first = await generated(TWO, 1);
    await generated(ONE, 3);
    const second = await generated(TWO, 1);

    expect([...first, ...second]).toEqual(sequenceOf('another', 2));
  });

  it('starts a new seed at its first id; a Generate refused before it draws an id draws none', async () => {
    await seed(ONE, 'another');
    await generated(ONE, 2);
    await seed(ONE, SEED);

    const refused = await sdk(ONE)
      .send(new GenerateClientCertificateCommand({ tags: { 'aws:reserved': 'x' } }))
      .catch((error: Error) => error.name);
    const shown = (await control(ONE, 'GET', 'ids')).json as { drawn: number };
    const ids = await generated(ONE, 1);

    expect(refused).toBe('BadRequestException');
    expect(shown.drawn).toBe(0);
    expect(ids).toEqual(sequenceOf(SEED, 1));
  });
});

describe('reset, import and DELETE', () => {
  it('reset starts the sequence again and keeps the seed', async () => {
    await seed(ONE, SEED);
    await generated(ONE, 2);

    await control(ONE, 'POST', 'reset');
    const ids = await generated(ONE, 2);

    expect(ids).toEqual(sequenceOf(SEED, 2));
  });

  it('an import leaves the sequence where it is; an id the store already holds is skipped, as a collision is', async () => {
    await seed(ONE, SEED);
    await generated(ONE, 2);
    const saved = (await control(ONE, 'GET', 'state')).json;

    expect((await control(ONE, 'PUT', 'state', saved)).status).toBe(200);
    const afterImport = (await control(ONE, 'GET', 'ids')).json as { drawn: number };
    await control(ONE, 'POST', 'reset'); // the sequence starts again: its first two ids are the saved ones
    await control(ONE, 'PUT', 'state', saved);
    const ids = await generated(ONE, 1);
    const afterCollisions = (await control(ONE, 'GET', 'ids')).json as { drawn: number };

    expect(afterImport.drawn).toBe(2);
    expect(ids).toEqual([sequenceOf(SEED, 3)[2]]);
    expect(afterCollisions.drawn).toBe(3);
  });

  it('DELETE takes the seed away: random ids again', async () => {
    await seed(ONE, SEED);

    const deleted = await control(ONE, 'DELETE', 'ids');
    const ids = await generated(ONE, 3);

    expect(deleted.json).toEqual({ removed: 1 });
    expect((await control(ONE, 'GET', 'ids')).json).toEqual({ namespace: nsOf(ONE), seed: null, drawn: 0, next: null });
    expect(ids.filter((id) => sequenceOf(SEED, 3).includes(id))).toEqual([]);
  });
});

describe('the scope of /_local/ids', () => {
  it.each([
    ['GET', 'ids?all'],
    ['DELETE', 'ids?all'],
    ['PUT', `ids?account=${TWO.accountId}&region=${REGION}`],
    ['GET', `ids?account=${TWO.accountId}`],
  ])('refuses %s %s to a key not marked all-namespaces with 403', async (method, path) => {
    await seed(TWO, SEED);

    const response = await control(ONE, method, path, method === 'PUT' ? { seed: 'mine' } : undefined);

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(((await control(TWO, 'GET', 'ids')).json as { seed: string }).seed).toBe(SEED);
  });

  it('lets a marked key seed another namespace and list every seeded one; a seed for all at once is 400', async () => {
    const other = await control(ADMIN, 'PUT', `ids?account=${ONE.accountId}&region=${REGION}`, { seed: SEED });
    await generated(ONE, 1);
    const all = await control(ADMIN, 'GET', 'ids?all');
    const everyone = await control(ADMIN, 'PUT', 'ids?all', { seed: SEED });

    expect(other.status).toBe(200);
    expect(all.json).toEqual({ sequences: [{ namespace: nsOf(ONE), seed: SEED, drawn: 1, next: sequenceOf(SEED, 2)[1] }] });
    expect(everyone.status).toBe(400);
    expect(everyone.headers['x-amzn-errortype']).toBe('BadRequestException');
  });
});

describe('hostile input to PUT /_local/ids', () => {
  it.each([
    ['a body that is not JSON', '{"seed":'],
    ['a list', [SEED]],
    ['null', null],
    ['no seed', {}],
    ['another member beside it', { seed: SEED, next: 5 }],
    ['a number', { seed: 5 }],
    ['an empty seed', { seed: '' }],
    ['a seed of 257 characters', { seed: 'x'.repeat(257) }],
    ['a seed of a megabyte', { seed: 'x'.repeat(1024 * 1024) }],
    ['a seed outside printable ASCII', { seed: 'café' }],
    ['a seed with a line break', { seed: 'a\nb' }],
  ])('refuses %s with 400, changing nothing', async (_, body) => {
    await seed(ONE, SEED);

    const response = await control(ONE, 'PUT', 'ids', body);

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect((response.json as { message: string }).message.length).toBeLessThan(200);
    expect(((await control(ONE, 'GET', 'ids')).json as { seed: string }).seed).toBe(SEED);
  });

  it('answers a method it does not take with 404', async () => {
    expect((await control(ONE, 'POST', 'ids', { seed: SEED })).status).toBe(404);
  });

  it(`holds an account to ${MAX_SET_PER_ACCOUNT} seeded namespaces, in all its regions: past that 429 LimitExceededException`, async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= MAX_SET_PER_ACCOUNT + 1; i++)
      statuses.push((await control(ONE, 'PUT', 'ids', { seed: SEED }, `us-test-${i}`)).status);
    const other = await control(TWO, 'PUT', 'ids', { seed: SEED });
    const full = await control(ONE, 'PUT', 'ids', { seed: SEED }, 'us-test-999');

    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(full.headers['x-amzn-errortype']).toBe('LimitExceededException');
    expect(other.status).toBe(200);
  });
});

describe('in-process and from controlClient()', () => {
  it('service.control seeds a named namespace and shows its sequence', async () => {
    const namespace = { account: ONE.accountId!, region: REGION };

    service.control.setIdSeed(namespace, SEED);
    const ids = await generated(ONE, 2);

    expect(ids).toEqual(sequenceOf(SEED, 2));
    expect(service.control.ids(namespace)).toMatchObject({ seed: SEED, drawn: 2 });
    expect(service.control.removeIdSeed(namespace)).toBe(1);
  });

  it("controlClient() seeds its key's namespace", async () => {
    const local = controlClient({ endpoint: service.url, credentials: TWO });

    await local.setIdSeed(SEED);
    const ids = await generated(TWO, 1);
    const shown = await local.ids();
    await local.removeIdSeed();

    expect(ids).toEqual(sequenceOf(SEED, 1));
    expect(shown).toEqual({ namespace: nsOf(TWO), seed: SEED, drawn: 1, next: sequenceOf(SEED, 2)[1] });
    expect((await local.ids()).seed).toBeNull();
  });
});

describe('the idSeed setting (ID_SEED)', () => {
  it("seeds every namespace that sets none of its own; two services started with it give the same ids; a namespace's own seed wins while it has one", async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const seeded = await startTestService({ idSeed: SEED });
      try {
        const own = controlClient({ endpoint: seeded.url, credentials: { accessKeyId: TWO.accountId!, secretAccessKey: 'x' } });
        await own.setIdSeed('another');
        runs.push([
          ...(await generated({ accessKeyId: ONE.accountId!, secretAccessKey: 'x' }, 2, seeded.url)),
          ...(await generated({ accessKeyId: TWO.accountId!, secretAccessKey: 'x' }, 1, seeded.url)),
        ]);
        // Its own seed taken away, the namespace follows the setting's, from the start.
        await own.removeIdSeed();
        expect(await own.ids()).toMatchObject({ seed: SEED, drawn: 0 });
      } finally {
        await seeded.close();
      }
    }

    expect(runs[0]).toEqual([...sequenceOf(SEED, 2), ...sequenceOf('another', 1)]);
    expect(runs[1]).toEqual(runs[0]);
  });
});
