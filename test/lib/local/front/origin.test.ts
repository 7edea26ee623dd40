import { hostname, networkInterfaces } from 'node:os';
import { APIGatewayClient, GenerateClientCertificateCommand, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import type { AccessLogEntry } from '../../../../lib/local/front/http-api.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { localServiceOptionsFromEnvironment } from '../../../../lib/local/settings.js';
import type { RawResponse } from '../../../support/http.js';
import { send, sendRaw } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';

/**
 * What a web page can make a browser send to the service, refused before any work: a cross-site
 * form POST (no preflight), a cross-site GET, and a DNS-rebinding page that names its own host.
 * Clients that are not browsers (the AWS SDK) send no Origin and are served.
 */

const EVIL = 'http://evil.example';

let service: LocalService;
const logged: AccessLogEntry[] = [];
const port = () => new URL(service.url).port;
const client = () =>
  new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const certificateCount = async () => (await client().send(new GetClientCertificatesCommand({}))).items?.length ?? 0;

/** A form a page on `origin` posts here: `text/plain` needs no preflight. */
const formPost = (path: string, origin = EVIL) =>
  send(service.url, {
    method: 'POST',
    path,
    headers: { origin, 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
    body: '{"description":"from a web page"}',
  });

const expectRefused = (response: RawResponse, refused: string, setting: string) => {
  expect(response.status).toBe(403);
  expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.connection).toBe('close');
  expect((response.json as { message: string }).message).toContain(refused);
  expect((response.json as { message: string }).message).toContain(setting);
};

beforeAll(async () => {
  service = await startTestService({ accessLog: (entry) => logged.push(entry) });
  await client().send(new GenerateClientCertificateCommand({ description: 'kept' }));
});
afterAll(() => service?.close());

describe('a web page on another origin', () => {
  test('cannot reset the store with a form POST to /_local/reset: refused, logged, and nothing removed', async () => {
    const response = await formPost('/_local/reset?all');

    expectRefused(response, `'${EVIL}'`, 'ALLOWED_ORIGINS');
    expect(logged.at(-1)).toMatchObject({ method: 'POST', path: '/_local/reset', status: 403, errorType: 'AccessDeniedException' });
    expect(await certificateCount()).toBe(1);
  });

  test('cannot create a certificate with a form POST to /clientcertificates', async () => {
    const response = await formPost('/clientcertificates');

    expectRefused(response, `'${EVIL}'`, 'ALLOWED_ORIGINS');
    expect(await certificateCount()).toBe(1);
  });

  test('is refused before its body is read: the answer does not wait for a body that never comes', async () => {
    const response = await sendRaw(
      service.url,
      `POST /_local/faults HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nOrigin: ${EVIL}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"op`,
    );

    expectRefused(response, `'${EVIL}'`, 'ALLOWED_ORIGINS');
    expect(service.control.faults()).toEqual([]);
  });

  test('cannot read the state with a cross-site GET, which carries no Origin but Sec-Fetch-Site', async () => {
    const response = await send(service.url, { path: '/_local/state', headers: { 'sec-fetch-site': 'cross-site' } });

    expectRefused(response, 'cross-site request', 'ALLOWED_ORIGINS');
  });

  test.each([
    ['in capitals', { 'sec-fetch-site': 'CROSS-SITE' }],
    ['twice', { 'sec-fetch-site': ['cross-site', 'cross-site'] }],
    ['of a value no browser sends', { 'sec-fetch-site': 'elsewhere' }],
  ])('cannot pass Sec-Fetch-Site off %s', async (_, headers) => {
    const response = await send(service.url, { method: 'POST', path: '/_local/reset?all', headers });

    expect(response.status).toBe(403);
  });

  test('in a sandboxed frame or a file (Origin: null) is refused', async () => {
    expectRefused(await formPost('/_local/reset?all', 'null'), "'null'", 'ALLOWED_ORIGINS');
  });
});

test('a request with two Host lines is 400, whichever comes first', async () => {
  const answers = await Promise.all(
    [
      ['localhost', 'evil.example'],
      ['evil.example', 'localhost'],
    ].map(([first, second]) => sendRaw(service.url, `GET /_local/state HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\n\r\n`)),
  );

  expect(answers.map((answer) => answer.status)).toEqual([400, 400]);
});

test('a DNS-rebinding page, naming its own host, cannot read the state', async () => {
  const response = await send(service.url, { path: '/_local/state', headers: { host: `evil.example:${port()}` } });

  expectRefused(response, `host 'evil.example:${port()}'`, 'ALLOWED_HOSTS');
  expect(response.body.toString()).not.toContain('kept');
});

test('a page the service serves itself (its Origin is http:// and its Host) is served; the same host on another port is another origin', async () => {
  const from = (origin: string) => send(service.url, { path: '/_local/faults', headers: { origin, 'sec-fetch-site': 'same-site' } });

  expect((await from(`http://127.0.0.1:${port()}`)).status).toBe(200);
  expectRefused(await from(`http://127.0.0.1:${Number(port()) + 1}`), `'http://127.0.0.1:${Number(port()) + 1}'`, 'ALLOWED_ORIGINS');
});

test('a request naming a loopback host is served, on any port; one naming another host is not', async () => {
  const named = (host: string) => send(service.url, { path: '/_local/health', headers: { host } });

  for (const host of ['localhost', `localhost:${port()}`, 'api.localhost:1', '127.0.0.2', `[::1]:${port()}`, `127.0.0.1:${port()}`]) {
    expect({ host, status: (await named(host)).status }).toEqual({ host, status: 200 });
  }
  for (const host of ['localhost.evil.example', '127.0.0.1.nip.io', 'evil.example@localhost']) {
    expect({ host, status: (await named(host)).status }).toEqual({ host, status: 403 });
  }
});

test('the AWS SDK, which sends no Origin, is served, where a web page making the same call is refused', async () => {
  const sdk = await client().send(new GenerateClientCertificateCommand({ description: 'by the SDK' }));
  const page = await formPost('/clientcertificates');

  expect(sdk.clientCertificateId).toBeDefined();
  expect(page.status).toBe(403);
  expect(await certificateCount()).toBe(2);
});

describe('with ALLOWED_ORIGINS and ALLOWED_HOSTS', () => {
  let allowing: LocalService;
  const to = (headers: Record<string, string>) => send(allowing.url, { path: '/_local/faults', headers });

  beforeAll(async () => {
    const { allowedOrigins, allowedHosts } = localServiceOptionsFromEnvironment({
      ALLOWED_ORIGINS: 'http://localhost:8080,https://console.example',
      ALLOWED_HOSTS: 'host.docker.internal',
    });
    allowing = await startTestService({ allowedOrigins, allowedHosts });
  });
  afterAll(() => allowing?.close());

  test('a page on an origin listed is served, and one on any other refused', async () => {
    expect((await to({ origin: 'http://localhost:8080', 'sec-fetch-site': 'same-site' })).status).toBe(200);
    expect((await to({ origin: 'https://console.example', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expectRefused(await to({ origin: 'http://localhost:8081' }), "'http://localhost:8081'", 'ALLOWED_ORIGINS');
  });

  test('a request naming a host listed is served, on any port', async () => {
    expect((await to({ host: 'host.docker.internal' })).status).toBe(200);
    expect((await to({ host: `HOST.docker.internal:${new URL(allowing.url).port}` })).status).toBe(200);
    expectRefused(await to({ host: 'other.docker.internal' }), "host 'other.docker.internal'", 'ALLOWED_HOSTS');
  });
});

test('with allowedOrigins *, a page on any origin is served, but not one whose Origin is null', async () => {
  const open = await startTestService({ allowedOrigins: ['*'] });
  try {
    const from = (origin: string) => send(open.url, { path: '/_local/faults', headers: { origin } });

    expect((await from(EVIL)).status).toBe(200);
    expect((await from('null')).status).toBe(403);
  } finally {
    await open.close();
  }
});

test("listening on every interface (0.0.0.0), a request naming this machine's name or any of its addresses is served, and another name is not", async () => {
  const everywhere = await startTestService({ host: '0.0.0.0' });
  try {
    const url = `http://127.0.0.1:${new URL(everywhere.url).port}`;
    const named = async (host: string) => (await send(url, { path: '/_local/health', headers: { host } })).status;
    const addresses = Object.values(networkInterfaces()).flatMap((entries) =>
      (entries ?? []).map(({ address, family }) => (family === 'IPv6' ? `[${address}]` : address)),
    );

    for (const host of [hostname(), ...addresses]) expect({ host, status: await named(host) }).toEqual({ host, status: 200 });
    expect(await named('evil.example')).toBe(403);
  } finally {
    await everywhere.close();
  }
});
