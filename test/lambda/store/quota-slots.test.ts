import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { withDeadline } from '../../../lambda/store/deadline.js';
import { CLAIMED_AT, keyOf, OWNER, SLOT, slotKey } from '../../../lambda/store/item.js';
import { QuotaSlots, STALE_SLOT_MS, UNPROCESSED_BACKOFF, unprocessedPause } from '../../../lambda/store/quota-slots.js';
import { storeBehindFaultProxy } from '../../support/store-behind-proxy.js';

const HERE: Namespace = { account: '111111111111', region: 'us-east-1' };
const THERE: Namespace = { account: '222222222222', region: 'us-east-1' };

const behind = storeBehindFaultProxy('QuotaSlotsTest');

/** Claimed and freed by Generate's function, under its role (Delete's frees them too, with the same DeleteItem). */
const slots = (quota: number, { namespace = HERE, now = Date.now }: { namespace?: Namespace; now?: () => number } = {}) =>
  new QuotaSlots(behind.clientOf('GenerateClientCertificate'), behind.table, namespace, quota, now);

/** The slot item as stored, or `undefined` when the slot is free. */
const slotItem = async (index: number, namespace = HERE) =>
  (await behind.client.send(new GetCommand({ TableName: behind.table, Key: keyOf(namespace, slotKey(index)), ConsistentRead: true }))).Item;

const limitExceeded = (quota: number) => ({
  type: 'LimitExceededException',
  message: `The maximum number of client certificates (${quota}) has been reached`,
});

describe('Method: claim', () => {
  test('takes a free slot for its owner, recording who holds it and since when', async () => {
    const index = await slots(3, { now: () => 1_000 }).claim('aaaaa1');

    expect([0, 1, 2]).toContain(index);
    expect(await slotItem(index)).toMatchObject({ [OWNER]: 'aaaaa1', [CLAIMED_AT]: 1_000 });
  });

  test('gives each of a full quota of claims its own slot, then refuses with LimitExceededException naming the quota', async () => {
    const quota = slots(3);
    const indexes = [await quota.claim('aaaaa1'), await quota.claim('aaaaa2'), await quota.claim('aaaaa3')];

    expect(indexes.sort()).toEqual([0, 1, 2]);
    await expect(quota.claim('aaaaa4')).rejects.toMatchObject(limitExceeded(3));
  });

  test('is exact under concurrent claims: of 8 racing for 3 slots, exactly 3 win, each a different slot', async () => {
    const quota = slots(3);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => quota.claim(`race0${i}`)));

    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(won.sort()).toEqual([0, 1, 2]);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject(limitExceeded(3));
  });

  test('a retried claim whose first attempt landed, only its answer lost, recognises the slot as its own', async () => {
    const quota = slots(1);
    behind.proxy.set({ mode: 'lose-response', only: 'PutItem', times: 1 });

    const index = await quota.claim('aaaaa1');

    // The SDK sent the Put twice: the first applied with its answer lost, the retry met its own claim.
    expect(behind.proxy.calls).toEqual({ faulted: ['PutItem'], forwarded: expect.arrayContaining(['PutItem']) });
    expect(index).toBe(0);
    expect(await slotItem(0)).toMatchObject({ [OWNER]: 'aaaaa1' });
  });

  test('never takes a slot claimed earlier for the same owner: a certificate that drew an id already held', async () => {
    let now = 1_000;
    const quota = slots(1, { now: () => now });
    await quota.claim('same01');

    now = 2_000;
    await expect(quota.claim('same01')).rejects.toMatchObject(limitExceeded(1));
    expect(await slotItem(0)).toMatchObject({ [OWNER]: 'same01', [CLAIMED_AT]: 1_000 });
  });

  test('reclaims a slot whose claim is stale and whose owner never took it, not before', async () => {
    let now = 0;
    const quota = slots(1, { now: () => now });
    await quota.claim('died01');

    now = STALE_SLOT_MS;
    await expect(quota.claim('aaaaa2')).rejects.toMatchObject(limitExceeded(1));
    now = STALE_SLOT_MS + 1;
    expect(await quota.claim('aaaaa2')).toBe(0);
    expect(await slotItem(0)).toMatchObject({ [OWNER]: 'aaaaa2' });
  });

  test('reads again the slots DynamoDB left unprocessed (a throttled batch) after pauses that double, not at once', async () => {
    const quota = slots(1);
    await quota.claim('aaaaa1');
    behind.proxy.set({ mode: 'unprocessed', only: 'BatchGetItem', times: 3 });

    const started = performance.now();
    await expect(quota.claim('aaaaa2')).rejects.toMatchObject(limitExceeded(1));

    // Three reads answered unprocessed, then the one that finds the slot taken, after three pauses of
    // at least half of 1, 2 and 4 times the base each.
    expect(behind.proxy.calls).toEqual({ faulted: Array(3).fill('BatchGetItem'), forwarded: ['PutItem', 'BatchGetItem'] });
    expect(performance.now() - started).toBeGreaterThanOrEqual((UNPROCESSED_BACKOFF.baseMs * (1 + 2 + 4)) / 2);
  });

  test('never reclaims a slot its owner holds, however old the claim', async () => {
    let now = 0;
    const quota = slots(1, { now: () => now });
    const index = await quota.claim('aaaaa1');
    await behind.client.send(new PutCommand({ TableName: behind.table, Item: { ...keyOf(HERE, 'aaaaa1'), [SLOT]: index } }));

    now = 10 * STALE_SLOT_MS;
    await expect(quota.claim('aaaaa2')).rejects.toMatchObject(limitExceeded(1));
  });
});

describe('Function: unprocessedPause', () => {
  test("grows from half the base to at most the maximum, and never runs past the answer's due time", async () => {
    const { baseMs, maxMs } = UNPROCESSED_BACKOFF;

    expect(unprocessedPause(1)).toBeGreaterThanOrEqual(baseMs / 2);
    expect(unprocessedPause(1)).toBeLessThanOrEqual(baseMs);
    expect(unprocessedPause(30)).toBeGreaterThanOrEqual(maxMs / 2);
    expect(unprocessedPause(30)).toBeLessThanOrEqual(maxMs);
    expect(await withDeadline(Date.now() + 20, async () => unprocessedPause(30))).toBeLessThanOrEqual(20);
    expect(await withDeadline(Date.now() - 5, async () => unprocessedPause(1))).toBe(0);
  });
});

describe('Method: release', () => {
  test("frees its owner's slot for the next claim", async () => {
    const quota = slots(1);
    const index = await quota.claim('aaaaa1');

    await quota.release(index, 'aaaaa1');

    expect(await slotItem(index)).toBeUndefined();
    expect(await quota.claim('aaaaa2')).toBe(index);
  });

  test('leaves a slot alone that another owner holds', async () => {
    const quota = slots(1);
    const index = await quota.claim('aaaaa1');

    await quota.release(index, 'aaaaa2');

    expect(await slotItem(index)).toMatchObject({ [OWNER]: 'aaaaa1' });
    await expect(quota.claim('aaaaa3')).rejects.toMatchObject(limitExceeded(1));
  });
});

describe('namespaces', () => {
  test('keep their slots apart: one full namespace neither limits nor frees another', async () => {
    const here = slots(1);
    const there = slots(1, { namespace: THERE });
    await here.claim('aaaaa1');

    expect(await there.claim('bbbbb1')).toBe(0);
    await there.release(0, 'aaaaa1');
    await expect(here.claim('aaaaa2')).rejects.toMatchObject(limitExceeded(1));
    expect(await slotItem(0, HERE)).toMatchObject({ [OWNER]: 'aaaaa1' });
    expect(await slotItem(0, THERE)).toMatchObject({ [OWNER]: 'bbbbb1' });
  });
});
