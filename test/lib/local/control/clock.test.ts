import { X509Certificate } from 'node:crypto';
import { GenerateClientCertificateCommand, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import { LATEST_CLOCK_MS } from '../../../../lib/local/control/clock.js';
import { MAX_SET_PER_ACCOUNT } from '../../../../lib/local/control/per-namespace.js';
import { controlClient } from '../../../../lib/local/control-client.js';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';
import { signed } from '../../../support/signing.js';
import { ADMIN, nsOf, REGION, signedCallers } from './signed-callers.js';

/**
 * A namespace's test clock: set or advanced through the control plane, frozen in between, and what
 * the certificates generated there are dated by (the PEM's validity included), through the real
 * service and the AWS SDK; SigV4 keeps the real clock.
 */

const ONE: SigV4Credentials = { accessKeyId: 'AKIDONE', secretAccessKey: 'one-secret', accountId: '111111111111' };
const TWO: SigV4Credentials = { accessKeyId: 'AKIDTWO', secretAccessKey: 'two-secret', accountId: '222222222222' };

const DAY_MS = 24 * 60 * 60 * 1000;

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
});

const setClock = async (key: SigV4Credentials, change: object): Promise<{ time: string }> => {
  const response = await control(key, 'PUT', 'clock', change);
  expect(response.status).toBe(200);
  return response.json as { time: string };
};

const generate = (key: SigV4Credentials) => sdk(key).send(new GenerateClientCertificateCommand({}));

/** A time as the control plane writes it: whole seconds, in UTC. */
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('PUT /_local/clock', () => {
  it('makes a certificate generated 364 days back expire tomorrow: its createdDate, expirationDate and X.509 validity', async () => {
    const then = Math.floor((Date.now() - 364 * DAY_MS) / 1000) * 1000;

    const set = await control(ONE, 'PUT', 'clock', { time: iso(then) });
    const certificate = await generate(ONE);
    const validity = new X509Certificate(certificate.pemEncodedCertificate!);

    expect(set.json).toEqual({ namespace: nsOf(ONE), time: iso(then), frozen: true });
    expect(certificate.createdDate).toEqual(new Date(then));
    expect(certificate.expirationDate).toEqual(new Date(then + 365 * DAY_MS));
    expect(certificate.expirationDate!.getTime() - Date.now()).toBeLessThan(DAY_MS);
    expect(certificate.expirationDate!.getTime()).toBeGreaterThan(Date.now());
    expect(new Date(validity.validFrom)).toEqual(new Date(then));
    expect(new Date(validity.validTo)).toEqual(new Date(then + 365 * DAY_MS));
  });

  it('freezes the clock where it is set, until advanceSeconds moves it on', async () => {
    const set = Date.parse('2030-01-02T03:04:05Z');
    await setClock(ONE, { time: '2030-01-02T04:04:05+01:00' });

    const first = await generate(ONE);
    const second = await generate(ONE);
    const advanced = await setClock(ONE, { advanceSeconds: 86_400 });
    const third = await generate(ONE);

    expect([first.createdDate, second.createdDate]).toEqual([new Date(set), new Date(set)]);
    expect(advanced.time).toBe('2030-01-03T03:04:05Z');
    expect(third.createdDate).toEqual(new Date(set + DAY_MS));
    expect((await control(ONE, 'GET', 'clock')).json).toEqual({ namespace: nsOf(ONE), time: '2030-01-03T03:04:05Z', frozen: true });
  });

  it('advances a real clock from now, and freezes it there', async () => {
    const before = Date.now();

    const advanced = await setClock(ONE, { advanceSeconds: 3_600 });

    expect(Date.parse(advanced.time) - before).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.parse(advanced.time) - before).toBeLessThan(3_600_000 + 60_000);
  });

  it("leaves another namespace's clock real", async () => {
    await setClock(ONE, { time: '2030-01-01T00:00:00Z' });

    const other = await control(TWO, 'GET', 'clock');
    const certificate = await generate(TWO);

    expect(other.json).toMatchObject({ namespace: nsOf(TWO), frozen: false });
    expect(Math.abs(certificate.createdDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("leaves SigV4's date check on the real clock: a request signed now is accepted, one signed at the namespace's time refused", async () => {
    await setClock(ONE, { time: '2090-06-01T00:00:00Z' });

    const now = await sdk(ONE).send(new GetClientCertificatesCommand({}));
    const atTheClock = await send(
      service.url,
      await signed(service.url, { path: '/clientcertificates' }, { credentials: ONE, date: new Date('2090-06-01T00:00:00Z') }),
    );

    expect(now.$metadata.httpStatusCode).toBe(200);
    expect(atTheClock.status).toBe(403);
    expect(atTheClock.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
  });
});

describe('the real clock again', () => {
  it.each([
    ['DELETE /_local/clock', 'DELETE', 'clock'],
    ['POST /_local/reset', 'POST', 'reset'],
  ])('%s gives the namespace the real clock again', async (_, method, path) => {
    await setClock(ONE, { time: '2030-01-01T00:00:00Z' });

    await control(ONE, method, path);
    const shown = (await control(ONE, 'GET', 'clock')).json as { time: string; frozen: boolean };
    const certificate = await generate(ONE);

    expect(shown.frozen).toBe(false);
    expect(Math.abs(Date.parse(shown.time) - Date.now())).toBeLessThan(60_000);
    expect(Math.abs(certificate.createdDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('reset ?all gives every namespace the real clock, those that hold nothing too', async () => {
    await setClock(ONE, { time: '2030-01-01T00:00:00Z' });

    await control(ADMIN, 'POST', 'reset?all');

    expect((await control(ADMIN, 'GET', 'clock?all')).json).toEqual({ clocks: [] });
  });
});

describe('the scope of /_local/clock', () => {
  it.each([
    ['GET', 'clock?all'],
    ['DELETE', 'clock?all'],
    ['PUT', `clock?account=${TWO.accountId}&region=${REGION}`],
    ['DELETE', `clock?account=${TWO.accountId}`],
  ])('refuses %s %s to a key not marked all-namespaces with 403, changing nothing', async (method, path) => {
    await setClock(TWO, { time: '2030-01-01T00:00:00Z' });

    const response = await control(ONE, method, path, method === 'PUT' ? { time: '2040-01-01T00:00:00Z' } : undefined);

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(((await control(TWO, 'GET', 'clock')).json as { time: string }).time).toBe('2030-01-01T00:00:00Z');
  });

  it("lets a marked key set another namespace's clock and list every one set; a clock for all at once is 400", async () => {
    const other = await control(ADMIN, 'PUT', `clock?account=${ONE.accountId}&region=${REGION}`, { time: '2030-01-01T00:00:00Z' });
    const all = await control(ADMIN, 'GET', 'clock?all');
    const everyone = await control(ADMIN, 'PUT', 'clock?all', { time: '2030-01-01T00:00:00Z' });

    expect(other.status).toBe(200);
    expect(all.json).toEqual({ clocks: [{ namespace: nsOf(ONE), time: '2030-01-01T00:00:00Z', frozen: true }] });
    expect(everyone.status).toBe(400);
    expect(everyone.headers['x-amzn-errortype']).toBe('BadRequestException');
  });
});

describe('hostile input to PUT /_local/clock', () => {
  it.each([
    ['a body that is not JSON', '{"time":'],
    ['a list', ['2030-01-01T00:00:00Z']],
    ['null', null],
    ['neither member', {}],
    ['both members', { time: '2030-01-01T00:00:00Z', advanceSeconds: 1 }],
    ['another member', { at: '2030-01-01T00:00:00Z' }],
    ['a time that is a number', { time: 1_900_000_000 }],
    ['a date without a time', { time: '2030-01-01' }],
    ['a time without a zone', { time: '2030-01-01T00:00:00' }],
    ['a day that does not exist', { time: '2030-02-30T00:00:00Z' }],
    ['hour 24', { time: '2030-01-01T24:00:00Z' }],
    ['a time before 1970', { time: '1969-12-31T23:59:59Z' }],
    ['a time whose certificate would expire past 9999', { time: '9999-01-01T00:00:00Z' }],
    ['a time of a megabyte', { time: `2030-01-01T00:00:00${'0'.repeat(1024 * 1024)}Z` }],
    ['a negative advance', { advanceSeconds: -1 }],
    ['a fractional advance', { advanceSeconds: 1.5 }],
    ['an advance as text', { advanceSeconds: '60' }],
    ['an advance past 9999', { advanceSeconds: 1e300 }],
  ])('refuses %s with 400, leaving the clock as it was', async (_, body) => {
    await setClock(ONE, { time: '2030-01-01T00:00:00Z' });

    const response = await control(ONE, 'PUT', 'clock', body);

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect((response.json as { message: string }).message.length).toBeLessThan(200);
    expect(((await control(ONE, 'GET', 'clock')).json as { time: string }).time).toBe('2030-01-01T00:00:00Z');
  });

  it('takes the first and the last time a certificate can be dated by, and no advance past the last', async () => {
    const first = await setClock(ONE, { time: '1970-01-01T00:00:00Z' });
    const last = await setClock(ONE, { time: iso(LATEST_CLOCK_MS) });
    const past = await control(ONE, 'PUT', 'clock', { advanceSeconds: 1 });

    expect(first.time).toBe('1970-01-01T00:00:00Z');
    expect(last.time).toBe('9998-12-31T23:59:59Z');
    expect(past.status).toBe(400);
    expect((await generate(ONE)).expirationDate).toEqual(new Date('9999-12-31T23:59:59Z'));
  });

  it('answers a method it does not take with 404', async () => {
    expect((await control(ONE, 'POST', 'clock', { advanceSeconds: 1 })).status).toBe(404);
  });

  it(`holds an account to ${MAX_SET_PER_ACCOUNT} namespaces with a clock, in all its regions: past that 429 LimitExceededException`, async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= MAX_SET_PER_ACCOUNT + 1; i++)
      statuses.push((await control(ONE, 'PUT', 'clock', { advanceSeconds: 0 }, `us-test-${i}`)).status);
    const other = await control(TWO, 'PUT', 'clock', { advanceSeconds: 0 });

    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(other.status).toBe(200);
  });
});

describe('in-process and from controlClient()', () => {
  it("service.control sets, reads and restores a named namespace's clock", async () => {
    const namespace = { account: ONE.accountId!, region: REGION };

    const set = service.control.setClock(namespace, { time: '2031-01-01T00:00:00Z' });
    const certificate = await generate(ONE);
    const restored = service.control.restoreClock(namespace);

    expect(set).toEqual({ namespace: nsOf(ONE), time: '2031-01-01T00:00:00Z', frozen: true });
    expect(certificate.createdDate).toEqual(new Date('2031-01-01T00:00:00Z'));
    expect(restored).toBe(1);
    expect(service.control.clock(namespace).frozen).toBe(false);
    expect(() => service.control.setClock(namespace, { time: 'soon' })).toThrow(/ISO-8601/);
  });

  it("controlClient() sets and restores its key's namespace's clock", async () => {
    const local = controlClient({ endpoint: service.url, credentials: TWO });

    await local.setClock({ time: '2032-02-29T12:00:00Z' });
    const moved = await local.setClock({ advanceSeconds: 60 });
    const certificate = await generate(TWO);
    await local.restoreClock();

    expect(moved).toEqual({ namespace: nsOf(TWO), time: '2032-02-29T12:01:00Z', frozen: true });
    expect(certificate.createdDate).toEqual(new Date('2032-02-29T12:01:00Z'));
    expect((await local.clock()).frozen).toBe(false);
  });
});
