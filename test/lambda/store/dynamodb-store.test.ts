import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { newClientCertificateId } from '../../../lambda/domain/client-certificate.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import type { ClientCertificateStore } from '../../../lambda/store/client-certificate-store.js';
import { withDeadline } from '../../../lambda/store/deadline.js';
import {
  DEFAULT_NAMESPACE,
  DynamoDbClientCertificateStore,
  STALE_SLOT_MS,
  WRITE_ATTEMPT_MS,
} from '../../../lambda/store/dynamodb-store.js';
import { keyOf, slotKey } from '../../../lambda/store/item.js';
import { recordCommands } from '../../support/handlers.js';
import { storeBehindFaultProxy } from '../../support/store-behind-proxy.js';

// Each store method's calls run under the role of the function that calls it on AWS, behind a proxy
// that refuses, as IAM does, what that role is not granted (lib/operations.ts).
const behind = storeBehindFaultProxy('StoreTest');

/** The function whose handler calls each store method (Update's and the tag operations' loads are Get's grants too). */
const CALLER = {
  create: 'GenerateClientCertificate',
  load: 'GetClientCertificate',
  saveIfVersion: 'UpdateClientCertificate',
  delete: 'DeleteClientCertificate',
  list: 'GetClientCertificates',
} as const satisfies Record<keyof ClientCertificateStore, string>;

/** The store as the functions have it: each method on a store under its caller's role. */
const functionsStore = (quota: number, now: () => number = Date.now, namespace: Namespace = DEFAULT_NAMESPACE): ClientCertificateStore => {
  const of = Object.fromEntries(
    Object.entries(CALLER).map(([method, operation]) => [
      method,
      new DynamoDbClientCertificateStore(behind.clientOf(operation), behind.table, quota, now, namespace),
    ]),
  ) as Record<keyof ClientCertificateStore, DynamoDbClientCertificateStore>;
  return {
    create: (certificate) => of.create.create(certificate),
    load: (id) => of.load.load(id),
    saveIfVersion: (certificate, version) => of.saveIfVersion.saveIfVersion(certificate, version),
    delete: (id) => of.delete.delete(id),
    list: (page) => of.list.list(page),
  };
};

/** A store on the test's own table, so each test starts empty. */
const freshStore = async (quota: number, now: () => number = Date.now) => ({ table: behind.table, store: functionsStore(quota, now) });

const certificate = (id = newClientCertificateId()): ClientCertificate => ({
  clientCertificateId: id,
  pemEncodedCertificate: 'pem',
  createdDate: 1,
  expirationDate: 2,
  tags: {},
});

const slotItems = async (table: string) =>
  ((await behind.client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).filter((item) =>
    String(item.clientCertificateId).startsWith(slotKey(0).slice(0, -1)),
  );

describe('the quota', () => {
  test('holds at the limit and frees a place when a certificate is deleted', async () => {
    const { store } = await freshStore(3);
    const ids = ['aaaaa1', 'aaaaa2', 'aaaaa3'];
    for (const id of ids) expect(await store.create(certificate(id))).toBe(true);

    await expect(store.create(certificate())).rejects.toMatchObject({
      type: 'LimitExceededException',
      message: 'The maximum number of client certificates (3) has been reached',
    });
    expect(await store.delete('aaaaa2')).toBe(true);
    expect(await store.create(certificate('aaaaa4'))).toBe(true);
  });

  test('is exact under concurrent generates: of 12 racing for 3 places, exactly 3 win', async () => {
    const { table, store } = await freshStore(3);

    const results = await Promise.allSettled(Array.from({ length: 12 }, () => store.create(certificate())));

    expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ type: 'LimitExceededException' });
    expect((await store.list({ limit: 25 })).items).toHaveLength(3);
    expect(await slotItems(table)).toHaveLength(3);
  });

  test('a generate that loses its id to another certificate gives its place back', async () => {
    const { table, store } = await freshStore(3);
    await store.create(certificate('same01'));

    expect(await store.create(certificate('same01'))).toBe(false);

    expect((await slotItems(table)).map((s) => s.owner)).toEqual(['same01']);
  });

  test('a place left claimed by a request that died is reclaimed once stale, not before', async () => {
    let now = 1_000_000_000_000;
    const { table, store } = await freshStore(2, () => now);
    await store.create(certificate('live01'));
    // A generate that claimed a slot and died before storing its certificate.
    const free = (await slotItems(table)).some((s) => s.clientCertificateId === slotKey(0)) ? slotKey(1) : slotKey(0);
    await behind.client.send(
      new PutCommand({ TableName: table, Item: { ...keyOf(DEFAULT_NAMESPACE, free), owner: 'dead01', claimedAt: now } }),
    );

    await expect(store.create(certificate())).rejects.toMatchObject({ type: 'LimitExceededException' });
    now += STALE_SLOT_MS + 1;
    expect(await store.create(certificate('next01'))).toBe(true);

    expect((await slotItems(table)).map((s) => s.owner).sort()).toEqual(['live01', 'next01']);
    expect((await store.load('live01'))?.value.clientCertificateId).toBe('live01');
  });

  test('a live certificate keeps its place however old its claim', async () => {
    let now = 1_000_000_000_000;
    const { store } = await freshStore(1, () => now);
    await store.create(certificate('old001'));
    now += 10 * STALE_SLOT_MS;

    await expect(store.create(certificate())).rejects.toMatchObject({ type: 'LimitExceededException' });
  });
});

describe('a certificate whose PEM is still on its way', () => {
  /** A PEM that comes when the test says. */
  const pending = () => {
    let settle!: { resolve: (pem: string) => void; reject: (error: Error) => void };
    const pem = new Promise<string>((resolve, reject) => {
      settle = { resolve, reject };
    });
    return { pem, ...settle };
  };

  test('has its place claimed meanwhile, and is stored once the PEM comes', async () => {
    const { table, store } = await freshStore(3);
    const { pem, resolve } = pending();

    const created = store.create({ ...certificate('wait01'), pemEncodedCertificate: pem });
    while ((await slotItems(table)).length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await store.load('wait01')).toBeUndefined();
    resolve('the pem');

    expect(await created).toBe(true);
    expect((await store.load('wait01'))?.value.pemEncodedCertificate).toBe('the pem');
    expect((await slotItems(table)).map((s) => s.owner)).toEqual(['wait01']);
  });

  test('is refused at a full quota without waiting for the PEM', async () => {
    const { store } = await freshStore(1);
    await store.create(certificate());

    const never = new Promise<string>(() => {});
    await expect(store.create({ ...certificate(), pemEncodedCertificate: never })).rejects.toMatchObject({
      type: 'LimitExceededException',
    });
  });

  test('gives its place back when the PEM fails, writing nothing else', async () => {
    const { table, store } = await freshStore(3);
    const { pem, reject } = pending();

    const created = store.create({ ...certificate('fail01'), pemEncodedCertificate: pem });
    while ((await slotItems(table)).length === 0) await new Promise((r) => setTimeout(r, 5));
    reject(new Error('no key pair'));

    await expect(created).rejects.toMatchObject({ type: 'ServiceUnavailableException' });
    expect(await slotItems(table)).toEqual([]);
    expect(await store.load('fail01')).toBeUndefined();
  });

  test('gives its place back, writing nothing else, when the PEM came too late to store it, even with less time left than a write takes', async () => {
    const { table, store } = await freshStore(3);
    const { pem, resolve } = pending();

    // Time for two writes when the place is claimed (at least 6 s); 2.5 s left when the PEM comes,
    // too little for the Put and for a write's whole attempt, yet the place is given back.
    const created = withDeadline(Date.now() + 2 * WRITE_ATTEMPT_MS + 1_000, () =>
      store.create({ ...certificate('late01'), pemEncodedCertificate: pem }),
    );
    while ((await slotItems(table)).length === 0) await new Promise((r) => setTimeout(r, 5));
    setTimeout(() => resolve('pem'), 2 * WRITE_ATTEMPT_MS + 1_000 - 2_500);

    await expect(created).rejects.toMatchObject({ type: 'ServiceUnavailableException' });
    expect(await slotItems(table)).toEqual([]);
    expect(await store.load('late01')).toBeUndefined();
  });

  test("is refused past DynamoDB's 400 KB before any place is claimed, counting the PEM on its way at its longest", async () => {
    const { table, store } = await freshStore(3);
    const never = new Promise<string>(() => {});

    // 140000 three-byte characters: 420 KB in UTF-8.
    const huge = { ...certificate('huge01'), description: '€'.repeat(140_000), pemEncodedCertificate: never };
    await expect(store.create(huge)).rejects.toMatchObject({
      type: 'BadRequestException',
      message: 'Invalid ClientCertificate description specified.',
    });

    expect(await slotItems(table)).toEqual([]);
    expect(await store.load('huge01')).toBeUndefined();
  });
});

describe('delete', () => {
  test('removes the certificate and its place; a second delete finds nothing', async () => {
    const { table, store } = await freshStore(5);
    await store.create(certificate('gone01'));

    expect(await store.delete('gone01')).toBe(true);

    expect(await store.load('gone01')).toBeUndefined();
    expect(await slotItems(table)).toEqual([]);
    expect(await store.delete('gone01')).toBe(false);
  });

  test('an update after a delete is NotFoundException and does not bring it back', async () => {
    const { store } = await freshStore(5);
    const c = certificate('gone02');
    await store.create(c);
    const read = await store.load('gone02');
    await store.delete('gone02');

    await expect(store.saveIfVersion({ ...c, description: 'late' }, read!.version)).rejects.toMatchObject({ type: 'NotFoundException' });
    expect(await store.load('gone02')).toBeUndefined();
  });
});

describe('list', () => {
  test('pages through every certificate exactly once, never showing quota slots', async () => {
    const { store } = await freshStore(60);
    const ids = Array.from({ length: 12 }, () => newClientCertificateId());
    for (const id of ids) await store.create(certificate(id));

    const seen: string[] = [];
    const pages: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.list({ limit: 5, ...(after === undefined ? {} : { after }) });
      seen.push(...page.items.map((c) => c.clientCertificateId));
      pages.push(page.items.length);
      if (!page.more) break;
      after = page.items.at(-1)!.clientCertificateId;
    }

    expect(pages).toEqual([5, 5, 2]);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  test('resumes after a certificate that was deleted since the previous page', async () => {
    const { store } = await freshStore(60);
    const ids = Array.from({ length: 6 }, () => newClientCertificateId());
    for (const id of ids) await store.create(certificate(id));
    const first = await store.list({ limit: 3 });
    const last = first.items.at(-1)!.clientCertificateId;
    await store.delete(last);

    const rest = await store.list({ limit: 25, after: last });

    const seen = [...first.items, ...rest.items].map((c) => c.clientCertificateId);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(rest.more).toBe(false);
  });

  test('an exactly full last page says no more follow', async () => {
    const { store } = await freshStore(60);
    for (let i = 0; i < 4; i++) await store.create(certificate());

    const page = await store.list({ limit: 4 });

    expect(page.items).toHaveLength(4);
    expect(page.more).toBe(false);
  });
});

describe('tags', () => {
  test('keys that are special to JavaScript objects are stored and read back like any other', async () => {
    const { store } = await freshStore(5);
    const tags = JSON.parse('{"__proto__": "a", "constructor": "b", "toString": "c", "team": "d"}') as Record<string, string>;
    await store.create({ ...certificate('tags01'), tags });
    const read = await store.load('tags01');

    await store.saveIfVersion({ ...read!.value, tags: { ...read!.value.tags, hasOwnProperty: 'e' } }, read!.version);

    const final = (await store.load('tags01'))!.value.tags;
    expect(Object.entries(final).sort()).toEqual(
      [
        ['__proto__', 'a'],
        ['constructor', 'b'],
        ['toString', 'c'],
        ['team', 'd'],
        ['hasOwnProperty', 'e'],
      ].sort(),
    );
  });
});

describe('namespaces', () => {
  const A: Namespace = { account: '111111111111', region: 'us-east-1' };
  const A_ELSEWHERE: Namespace = { account: '111111111111', region: 'eu-west-1' };
  const B: Namespace = { account: '222222222222', region: 'us-east-1' };

  /** Stores of three namespaces sharing one fresh table. */
  const freshStores = async (quota: number) => (namespace: Namespace) => functionsStore(quota, Date.now, namespace);

  test('a namespace lists its own certificates, page by page, each once, with one Query a page, among others', async () => {
    const stores = await freshStores(60);
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) mine.push(certificate().clientCertificateId);
    for (const id of mine) await stores(A).create(certificate(id));
    for (let i = 0; i < 5; i++) await stores(A_ELSEWHERE).create(certificate());
    for (let i = 0; i < 4; i++) await stores(B).create(certificate());
    const sent = recordCommands(behind.clientOf(CALLER.list));

    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = await stores(A).list({ limit: 3, ...(after === undefined ? {} : { after }) });
      seen.push(...page.items.map((c) => c.clientCertificateId));
      if (!page.more) break;
      after = page.items.at(-1)!.clientCertificateId;
    }

    expect(seen.sort()).toEqual(mine.sort());
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
    expect(sent).toHaveLength(3);
  });

  test('each has its own quota', async () => {
    const stores = await freshStores(2);
    await stores(A).create(certificate());
    await stores(A).create(certificate());

    await expect(stores(A).create(certificate())).rejects.toMatchObject({ type: 'LimitExceededException' });
    expect(await stores(A_ELSEWHERE).create(certificate())).toBe(true);
    expect(await stores(B).create(certificate())).toBe(true);
    expect(await stores(B).create(certificate())).toBe(true);
  });

  test("another namespace's certificate cannot be loaded, saved or deleted there; the same id may exist in both", async () => {
    const stores = await freshStores(5);
    await stores(A).create(certificate('same01'));
    const original = (await stores(A).load('same01'))!;

    expect(await stores(B).load('same01')).toBeUndefined();
    expect(await stores(B).delete('same01')).toBe(false);
    await expect(stores(B).saveIfVersion({ ...original.value, description: 'theirs' }, original.version)).rejects.toMatchObject({
      type: 'NotFoundException',
    });
    expect(await stores(A_ELSEWHERE).create(certificate('same01'))).toBe(true);

    expect(await stores(A).load('same01')).toEqual(original);
  });
});
