import { STORE_TIMEOUTS } from '../../lambda/store/dynamodb-store.js';
import type { LocalService } from '../../lib/local/service.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import type { RawResponse } from '../support/http.js';
import { send } from '../support/http.js';
import { startTestServiceBehindProxy } from '../support/service.js';
import { storeClient, tableSnapshot } from '../support/table.js';

/**
 * An error answer means nothing was written. The local service with a store whose reads are slow
 * past the request timeout at random and whose writes are slow within it, and a function timeout
 * short enough that the answer falls due at every step of every write path: each request answered
 * with an error left no trace, then and seconds later; each success left exactly its own.
 */

const FUNCTION_TIMEOUT_MS = 8_000;
const SEED = 20261130;

let service: LocalService;
let proxy: FaultProxy;
let store: ReturnType<typeof storeClient>;

/** A small seeded generator (mulberry32), so a failing run repeats exactly. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

const json = { 'content-type': 'application/json' };
const arn = (id: string) => encodeURIComponent(`arn:aws:apigateway:us-east-1::/clientcertificates/${id}`);
const generate = (description: string) =>
  send(service.url, { method: 'POST', path: '/clientcertificates', headers: json, body: JSON.stringify({ description }) });
const update = (id: string, description: string) =>
  send(service.url, {
    method: 'PATCH',
    path: `/clientcertificates/${id}`,
    headers: json,
    body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: description }] }),
  });
const tag = (id: string, key: string) =>
  send(service.url, { method: 'PUT', path: `/tags/${arn(id)}`, headers: json, body: JSON.stringify({ tags: { [key]: 'v' } }) });
const untag = (id: string, key: string) => send(service.url, { method: 'DELETE', path: `/tags/${arn(id)}?tagKeys=${key}` });
const idOf = (response: RawResponse) => (response.json as { clientCertificateId: string }).clientCertificateId;
const remove = (id: string) => send(service.url, { method: 'DELETE', path: `/clientcertificates/${id}` });

interface Stored {
  clientCertificateId: { S: string };
  description?: { S: string };
  version?: { N: string };
  tags?: { L: { L: { S: string }[] }[] };
  owner?: { S: string };
}

const items = async (): Promise<Stored[]> => JSON.parse(await tableSnapshot(store.client, store.tableName)) as Stored[];
const certificates = async () => (await items()).filter((item) => item.version !== undefined);
const tagKeys = (item: Stored) => (item.tags?.L ?? []).map((pair) => pair.L[0]!.S);

beforeAll(async () => {
  ({ service, proxy } = await startTestServiceBehindProxy({
    functions: { timeoutMs: FUNCTION_TIMEOUT_MS },
  }));
  store = storeClient(service.store);
});

afterAll(async () => {
  store.client.destroy();
  await service.close();
  await proxy.close();
});

test('under a slow store and a short timeout, every error answer left the table as it was, and every success only its own change', async () => {
  // Prepare: certificates to update, tag and untag, and others to delete, made while the store is fast.
  const made: RawResponse[] = [];
  // A 503 writes nothing (what this suite shows): one that a busy machine's key generation ran out of time for is asked again.
  for (let i = 0; i < 8; i++) {
    let answer = await generate(`original-${i}`);
    for (let retries = 0; answer.status === 503 && retries < 3; retries++) answer = await generate(`original-${i}`);
    made.push(answer);
  }
  expect(made.map((r) => r.status)).toEqual(made.map(() => 201));
  const [edited, doomed] = [made.slice(0, 4), made.slice(4)].map((list) =>
    list.map((r) => (r.json as { clientCertificateId: string }).clientCertificateId),
  );
  for (const id of edited!) expect((await tag(id, 'keep')).status).toBe(204);
  const before = new Map((await certificates()).map((item) => [item.clientCertificateId.S, item]));
  const next = random(SEED);
  // Reads slow enough to time out and be retried; writes slow, but always answered within the request timeout.
  proxy.set({
    mode: 'pass',
    delayMs: (operation) =>
      Math.floor(next() * (WRITES.has(operation) ? STORE_TIMEOUTS.requestTimeout - 200 : 2.5 * STORE_TIMEOUTS.requestTimeout)),
  });

  // Act: every write path at once, each request marked so its effect can be told apart.
  const requests: { kind: string; id: string; mark: string; answer: Promise<RawResponse> }[] = [];
  for (let i = 0; i < 6; i++) requests.push({ kind: 'generate', id: '', mark: `generated-${i}`, answer: generate(`generated-${i}`) });
  for (const [i, id] of edited!.entries()) {
    requests.push({ kind: 'update', id, mark: `updated-${i}`, answer: update(id, `updated-${i}`) });
    requests.push({ kind: 'tag', id, mark: `tag${i}`, answer: tag(id, `tag${i}`) });
    requests.push({ kind: 'untag', id, mark: 'keep', answer: untag(id, 'keep') });
  }
  for (const id of doomed!) requests.push({ kind: 'delete', id, mark: '', answer: remove(id) });
  const answers = await Promise.all(requests.map(async (r) => ({ ...r, status: (await r.answer).status })));
  proxy.set({ mode: 'pass' });
  const right = await items();
  await new Promise((later) => setTimeout(later, STORE_TIMEOUTS.requestTimeout + 500));
  const later = await items();

  // Assess: the requests met the deadline at different steps, so both outcomes happened.
  const succeeded = answers.filter((a) => a.status < 300);
  const failed = answers.filter((a) => a.status >= 300);
  expect(failed.length).toBeGreaterThan(0);
  expect(succeeded.length).toBeGreaterThan(0);
  for (const a of failed) expect([409, 503]).toContain(a.status);
  expect(later).toEqual(right); // nothing landed after the answers
  const after = new Map(later.filter((item) => item.version !== undefined).map((item) => [item.clientCertificateId.S, item]));
  // Generated: exactly the ones answered 201, each holding one quota slot.
  const generated = [...after.values()].filter((item) => item.description?.S.startsWith('generated-')).map((item) => item.description!.S);
  expect(generated.sort()).toEqual(
    succeeded
      .filter((a) => a.kind === 'generate')
      .map((a) => a.mark)
      .sort(),
  );
  // Each certificate holds one slot, which names it. A slot naming no certificate is one a request left
  // when a store answer never came (a Put or a release of unknown outcome): counted until reclaimed once
  // stale (STALE_SLOT_MS), and at most one per Generate that failed or Delete that released a slot.
  const slotOwners = later.filter((item) => item.owner !== undefined).map((item) => item.owner!.S);
  expect([...after.keys()].filter((id) => slotOwners.filter((owner) => owner === id).length !== 1)).toEqual([]);
  const leftBehind = slotOwners.filter((owner) => !after.has(owner));
  const mayLeaveOne = answers.filter((a) => (a.kind === 'generate' && a.status >= 300) || (a.kind === 'delete' && a.status === 202));
  expect(leftBehind.length).toBeLessThanOrEqual(mayLeaveOne.length);
  // Deleted: gone exactly when answered 202.
  for (const a of answers.filter((r) => r.kind === 'delete')) expect(after.has(a.id)).toBe(a.status !== 202);
  for (const id of edited!) {
    const mine = answers.filter((a) => a.id === id);
    const was = before.get(id)!;
    const now = after.get(id)!;
    // One version per successful write on it, and none for a failed one.
    expect(Number(now.version!.N) - Number(was.version!.N)).toBe(mine.filter((a) => a.status < 300).length);
    const update = mine.find((a) => a.kind === 'update')!;
    expect(now.description!.S).toBe(update.status === 200 ? update.mark : was.description!.S);
    const tagged = mine.find((a) => a.kind === 'tag')!;
    expect(tagKeys(now).includes(tagged.mark)).toBe(tagged.status === 204);
    const untagged = mine.find((a) => a.kind === 'untag')!;
    expect(tagKeys(now).includes('keep')).toBe(untagged.status !== 204);
  }
});

test('a Generate whose writes were applied but whose answers were lost is one certificate holding one slot, answered 201', async () => {
  const count = async () => (await items()).filter((item) => item.owner === undefined && item.version !== undefined).length;
  const slots = async () => (await items()).filter((item) => item.owner !== undefined).length;
  const [certificatesBefore, slotsBefore] = [await count(), await slots()];
  // The first two PutItems are the quota slot's claim and the certificate itself.
  proxy.set({ mode: 'lose-response', only: 'PutItem', times: 2 });

  const response = await generate('answers lost');

  proxy.set({ mode: 'pass' });
  expect(response.status).toBe(201);
  expect(await count()).toBe(certificatesBefore + 1);
  expect(await slots()).toBe(slotsBefore + 1);
});

test('a Delete that was applied but whose answer was lost is answered 202, not 404', async () => {
  const id = idOf(await generate('to delete, answer lost'));
  proxy.set({ mode: 'lose-response', only: 'DeleteItem', times: 1 });

  const response = await remove(id);

  proxy.set({ mode: 'pass' });
  expect(response.status).toBe(202);
  expect((await send(service.url, { path: `/clientcertificates/${id}` })).status).toBe(404);
});

test('an Update whose write landed but answered late, with another written on top before the retry, is not told 409', async () => {
  const id = idOf(await generate('raced after a late answer'));
  // The first UpdateItem lands at once; its answer comes after the request timeout, so the SDK retries.
  proxy.set({ mode: 'late-response', only: 'UpdateItem', times: 1, delayMs: STORE_TIMEOUTS.requestTimeout + 1_000 });

  const mine = update(id, 'mine');
  await new Promise((landed) => setTimeout(landed, 500));
  const theirs = await update(id, 'theirs');
  const answer = await mine;

  proxy.set({ mode: 'pass' });
  expect(theirs.status).toBe(200);
  // Its write landed (then was written over): a 409 would say nothing was written.
  expect(answer.status).toBe(503);
});
