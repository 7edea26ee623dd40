import {
  type APIGatewayClient,
  BadRequestException,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificatesCommand,
  LimitExceededException,
} from '@aws-sdk/client-api-gateway';
import { failureOf } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { describeLocalOnly, openTarget, settings } from '../support/target.js';

/**
 * The quota of client certificates, through the real SDK, with a quota of 5 so it is quick to reach.
 * The local target is opened with that quota; a deployment's quota is its own: these checks are local only.
 */

const QUOTA = 5;

const LIMIT_MESSAGE = `The maximum number of client certificates (${QUOTA}) has been reached`;

let target: ConformanceTarget;
let client: APIGatewayClient;

const generate = (tags?: Record<string, string>) => client.send(new GenerateClientCertificateCommand({ tags }));

const remove = (clientCertificateId: string) => client.send(new DeleteClientCertificateCommand({ clientCertificateId }));

/** The certificates there are, as the API lists them. */
const existing = async (): Promise<string[]> =>
  ((await client.send(new GetClientCertificatesCommand({ limit: 500 }))).items ?? []).map((c) => c.clientCertificateId!);

const expectLimitExceeded = (error: unknown): void => {
  expect(error).toBeInstanceOf(LimitExceededException);
  expect((error as LimitExceededException).$metadata.httpStatusCode).toBe(429);
  expect((error as LimitExceededException).message).toBe(LIMIT_MESSAGE);
};

/** Generates one at a time until refused; how many were accepted. Fails on any other error. */
const fillUp = async (): Promise<number> => {
  for (let accepted = 0; accepted <= QUOTA; accepted++) {
    try {
      await generate();
    } catch (error) {
      expectLimitExceeded(error);
      return accepted;
    }
  }
  throw new Error(`more than ${QUOTA} certificates were accepted`);
};

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` while listing the certificates over and over; the largest count seen. */
const maxCountDuring = async (work: Promise<unknown>): Promise<number> => {
  let done = false;
  let max = 0;
  const watcher = (async () => {
    while (!done) max = Math.max(max, (await existing()).length);
  })();
  try {
    await work;
  } finally {
    done = true;
    await watcher;
  }
  return max;
};

describeLocalOnly(`sets a quota of ${QUOTA} before the handlers load`, `a quota of ${QUOTA} client certificates`, () => {
  beforeAll(async () => {
    target = await openTarget(settings, { quota: QUOTA });
    client = target.sdkClient();
  });

  afterAll(async () => {
    client?.destroy();
    await target?.close();
  });

  test(`${QUOTA} generates succeed; one more is LimitExceededException (429) naming the quota`, async () => {
    await Promise.all(Array.from({ length: QUOTA }, () => generate()));

    const error = await failureOf(generate());

    expectLimitExceeded(error);
    expect(await existing()).toHaveLength(QUOTA);
  });

  test('on the wire, the refusal is 429 with x-amzn-ErrorType LimitExceededException and Retry-After', async () => {
    const response = await target.fetch('/clientcertificates', { method: 'POST' });

    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response.json()).toEqual({ message: LIMIT_MESSAGE });
  });

  test('deleting one frees its place: one generate succeeds, the next is refused again', async () => {
    const [victim] = await existing();
    await remove(victim!);

    const replacement = await generate();
    const refused = await failureOf(generate());

    expect(replacement.$metadata.httpStatusCode).toBe(201);
    expectLimitExceeded(refused);
    expect(await existing()).toHaveLength(QUOTA);
  });

  test('with 2 places free, 12 concurrent generates: exactly 2 succeed and 10 are LimitExceededException', async () => {
    const [a, b] = await existing();
    await Promise.all([remove(a!), remove(b!)]);

    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => generate()));

    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(accepted).toHaveLength(2);
    expect(refused).toHaveLength(10);
    refused.forEach(expectLimitExceeded);
    expect(await existing()).toHaveLength(QUOTA);
  });

  test('concurrent deletes and generates: never more than the quota, and the count ends exact (3 rounds)', async () => {
    const landed: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = await existing();
      const victims = before.slice(0, 3);
      let deleted = 0;
      let generated = 0;

      // All in flight at once. A generate claims its place only after making its key pair, so the
      // deletes are spread over that time: some places free up before the claims, some after.
      const storm = Promise.allSettled([
        ...Array.from({ length: 8 }, () => generate().then(() => generated++)),
        ...victims.map((victim, i) =>
          later(i * 150)
            .then(() => remove(victim))
            .then(() => deleted++),
        ),
      ]);
      const maxSeen = await maxCountDuring(storm);

      for (const outcome of await storm) if (outcome.status === 'rejected') expectLimitExceeded(outcome.reason);
      expect(deleted).toBe(victims.length);
      expect(maxSeen).toBeLessThanOrEqual(QUOTA);
      const after = await existing();
      expect(after).toHaveLength(before.length - deleted + generated);
      // No place leaked or double-counted: exactly the free ones can still be filled.
      expect(await fillUp()).toBe(QUOTA - after.length);
      expect(await existing()).toHaveLength(QUOTA);
      landed.push(generated);
    }
    console.info(`quota storm: of 8 generates racing 3 deletes, ${landed.join(', ')} landed per round`);
  });

  test('failed generates take no place: after 400s of every kind, exactly the free places can be filled', async () => {
    const [a, b] = await existing();
    await Promise.all([remove(a!), remove(b!)]);
    // Past DynamoDB's 400 KB item limit: refused only after a place was claimed, so it must be given back.
    const oversized = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`.padEnd(128, 'k'), 'v'.repeat(256)]));

    const failures = await Promise.all(Array.from({ length: 3 }, () => failureOf(generate({ 'aws:reserved': 'x' }))));
    // One at a time: each holds a place while it runs, so three at once could crowd each other out (429).
    for (let i = 0; i < 3; i++) failures.push(await failureOf(generate(oversized)));
    const malformed = await target.fetch('/clientcertificates', { method: 'POST', body: '{not json' });

    for (const error of failures) expect(error).toBeInstanceOf(BadRequestException);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await existing()).toHaveLength(QUOTA - 2);
    expect(await fillUp()).toBe(2);
  });
});
