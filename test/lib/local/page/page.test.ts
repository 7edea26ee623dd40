import { APIGatewayClient, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import { PAGE_TOKEN_HEADER } from '../../../../lib/local/page/page.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { RawResponse } from '../../../support/http.js';
import { send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';
import { signed } from '../../../support/signing.js';

/**
 * The page `GET /_local/` serves, over HTTP: what it is sent with, and that a browser can change
 * nothing through the control plane without the token the page holds. (page.browser.test.ts drives it.)
 */

let service: LocalService;
let sdk: APIGatewayClient;
const UNSIGNED = { account: '000000000000', region: 'us-east-1' };

beforeAll(async () => {
  service = await startTestService();
  sdk = new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } });
});
afterAll(async () => {
  sdk.destroy();
  await service.close();
});

const ownOrigin = () => `http://${new URL(service.url).host}`;
const tokenOf = (page: RawResponse): string => /name="local-page-token" content="([^"]+)"/.exec(page.body.toString())![1]!;

test('GET /_local/ is an HTML page that allows only its own scripts, styles and connections', async () => {
  const page = await send(service.url, { path: '/_local/', headers: { 'sec-fetch-site': 'none' } });

  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
  expect(page.headers['cache-control']).toBe('no-store');
  expect(page.body.toString()).toContain('<script src="/_local/page/page.js" defer></script>');
  expect(page.body.toString()).not.toMatch(/ on[a-z]+=|<script>|<style>/);
});

test('its script and style are served with their types; any other file under /_local/page/ is 404', async () => {
  const script = await send(service.url, { path: '/_local/page/page.js' });
  const style = await send(service.url, { path: '/_local/page/page.css' });

  expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
  expect([style.status, style.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  expect((await send(service.url, { path: '/_local/page/secret.js' })).headers['x-amzn-errortype']).toBe('NotFoundException');
});

test('each service’s page holds a token of its own', async () => {
  const other = await startTestService();
  try {
    const mine = tokenOf(await send(service.url, { path: '/_local/' }));
    const theirs = tokenOf(await send(other.url, { path: '/_local/' }));
    expect(mine).toMatch(/^[\w-]{32}$/);
    expect(theirs).not.toBe(mine);
  } finally {
    await other.close();
  }
});

describe('a change a browser asks for', () => {
  const clear = (headers: Record<string, string>) => send(service.url, { method: 'DELETE', path: '/_local/requests', headers });
  const journaled = () => service.control.requests({ namespace: UNSIGNED }).requests.length;

  beforeEach(async () => {
    service.control.clearRequests();
    await sdk.send(new GetClientCertificatesCommand({}));
  });

  test('from another site is refused, and changes nothing', async () => {
    const token = tokenOf(await send(service.url, { path: '/_local/' }));
    const response = await clear({ origin: 'http://evil.example', [PAGE_TOKEN_HEADER]: token });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(journaled()).toBe(1);
  });

  test('from the service’s own origin without the page’s token is refused, and changes nothing', async () => {
    for (const headers of [
      { origin: ownOrigin() } as Record<string, string>,
      { 'sec-fetch-site': 'same-origin' },
      { origin: ownOrigin(), [PAGE_TOKEN_HEADER]: 'guessed' },
      { origin: ownOrigin(), [PAGE_TOKEN_HEADER]: '' },
    ]) {
      const response = await clear(headers);
      expect({ headers, status: response.status, type: response.headers['x-amzn-errortype'] }).toEqual({
        headers,
        status: 403,
        type: 'AccessDeniedException',
      });
      expect((response.json as { message: string }).message).toContain(PAGE_TOKEN_HEADER);
    }
    expect(journaled()).toBe(1);
  });

  test('from the page itself, with its token, is made', async () => {
    const token = tokenOf(await send(service.url, { path: '/_local/' }));
    const response = await clear({ origin: ownOrigin(), 'sec-fetch-site': 'same-origin', [PAGE_TOKEN_HEADER]: token });

    expect(response.status).toBe(200);
    expect(response.json).toEqual({ cleared: 1 });
    expect(journaled()).toBe(0);
  });

  test('a reset by a browser without the token is refused too; the SDK’s and a harness’s, which are no browser, need none', async () => {
    expect((await send(service.url, { method: 'POST', path: '/_local/reset', headers: { origin: ownOrigin() } })).status).toBe(403);
    expect((await send(service.url, { method: 'POST', path: '/_local/reset' })).status).toBe(200);
    expect((await clear({})).status).toBe(200);
  });
});

describe('with AUTH=sigv4', () => {
  const ONE = { accessKeyId: 'AKIDWORKERONE', secretAccessKey: 'one-secret', accountId: '111111111111' };
  const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret', accountId: '999999999999', allNamespaces: true };
  let signing: LocalService;
  beforeAll(async () => {
    signing = await startTestService({ sigv4: { credentials: [ONE, ADMIN] } });
  });
  afterAll(() => signing.close());
  const as = async (key: typeof ONE, path: string) =>
    send(signing.url, await signed(signing.url, { path }, { credentials: key, region: 'us-east-1' }));

  test('the page is refused as any unsigned request is: a browser cannot sign', async () => {
    const page = await send(signing.url, { path: '/_local/' });

    expect(page.status).toBe(403);
    expect(page.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(page.body.toString()).not.toContain('local-page-token');
  });

  test('signed, it is scoped as every control call: every namespace only for a key marked all-namespaces', async () => {
    const own = await as(ONE, '/_local/');
    const all = await as(ONE, '/_local/?all');
    const other = await as(ONE, '/_local/?account=999999999999');

    expect(own.status).toBe(200);
    expect(own.body.toString()).toContain('namespace 111111111111#us-east-1');
    for (const refused of [all, other])
      expect([refused.status, refused.headers['x-amzn-errortype']]).toEqual([403, 'AccessDeniedException']);
    expect((await as(ADMIN, '/_local/?all')).body.toString()).toContain('every namespace');
    expect((await as(ADMIN, '/_local/?all=maybe')).status).toBe(400);
  });
});
