import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
} from '@aws-sdk/client-api-gateway';
import type { Browser, Page } from 'playwright-core';
import type { LocalService } from '../../../../lib/local/service.js';
import { send } from '../../../support/http.js';
import { failureOf } from '../../../support/sdk.js';
import { startTestService } from '../../../support/service.js';
import { until } from '../../../support/wait.js';
import { describeIfBrowser, launchBrowser } from './browser.js';

/**
 * The page in a real browser: it shows what the SDK does as it happens, without a reload, and shows
 * what callers stored as text. UPDATE_SCREENSHOT=1 writes docs/local-service-page.png.
 */

/** What the page waits for at most: its refresh is every second. */
const SEEN_WITHIN_MS = 10_000;

describeIfBrowser('the page in Chromium', () => {
  let service: LocalService;
  let browser: Browser;
  let page: Page;
  let sdk: APIGatewayClient;
  const problems: string[] = [];

  beforeAll(async () => {
    [service, browser] = await Promise.all([startTestService(), launchBrowser()]);
    // A key of no account: the unsigned namespace, the one the browser's own requests are in.
    sdk = new APIGatewayClient({
      endpoint: service.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDPAGE', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 500 } });
    // A script error, a CSP violation or a dialog (a value run as script) is a failure.
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${service.url}/_local/`);
  });

  afterAll(async () => {
    sdk?.destroy();
    await browser?.close();
    await service?.close();
  });

  /** Resolves once the element `selector` names holds `text` (a string it contains, or a pattern). */
  const shows = (selector: string, text: string | RegExp) =>
    page.locator(selector, { hasText: text }).first().waitFor({ timeout: SEEN_WITHIN_MS });

  test('shows the service’s health and the namespace it looks at', async () => {
    await shows('#health', 'ok');
    expect(await page.textContent('header')).toContain('namespace 000000000000#us-east-1');
  });

  test('shows a certificate the SDK just generated, its description as text (tags cannot hold < or >), without a reload', async () => {
    const description = '<script>alert("description")</script>';
    const { clientCertificateId: id } = await sdk.send(new GenerateClientCertificateCommand({ description, tags: { team: 'blue' } }));

    await shows('#certificates', id!);
    const cells = await page.$$eval('#certificates tr:first-child td', (tds) => tds.map((td) => td.textContent));
    expect(cells.slice(0, 4)).toEqual([id, description, 'team=blue', '365 days']);
    expect(await page.$$eval('#certificates script', (found) => found.length)).toBe(0);
  });

  test('shows a fault rule, and its hits going up as requests trigger it', async () => {
    const id = service.control.addFault({
      operations: ['GetClientCertificate'],
      action: { error: { type: 'ServiceUnavailableException' } },
      when: { next: 2 },
    });
    await shows('#faults', id);

    for (let i = 0; i < 2; i++) await failureOf(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'abcdefghij' })));

    await shows('#faults td.hits', /^2$/);
  });

  test('shows the journal growing, newest first, and the page’s own Clear empties it', async () => {
    await sdk.send(new GetClientCertificatesCommand({ limit: 3 }));

    await shows('#requests tr:first-child', 'GetClientCertificates');
    expect(await page.textContent('#requests')).toContain('ServiceUnavailableException');
    expect(Number((await page.textContent('#request-count'))!.split(' ')[0])).toBeGreaterThanOrEqual(4);
    if (process.env.UPDATE_SCREENSHOT) await page.screenshot({ path: 'docs/local-service-page.png' });

    await page.click('#clear-requests');
    await shows('#request-count', /^0$/);
    expect(service.control.requests({ namespace: { account: '000000000000', region: 'us-east-1' } }).requests).toEqual([]);
  });

  test('asks the journal for only the 200 requests it shows, and still counts them all', async () => {
    for (let batch = 0; batch < 5; batch++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => send(service.url, { path: `/nowhere/${batch}/${i}` })));

    await shows('#request-count', /^250$/);
    const listing = await page.waitForResponse((response) => /\/_local\/requests(\?(?!.*count)|$)/.test(response.url()));
    expect(((await listing.json()) as { requests: unknown[] }).requests).toHaveLength(200);
    expect(await page.locator('#requests tr').count()).toBe(200);
  });

  test('reads a large state less often, so that it holds the namespace’s requests about a tenth of the time', async () => {
    // Each state answer made 3 MB, as a namespace of a thousand certificates with tags is (2.7 MB, read in
    // about 580 ms under load): read again no sooner than 6 s later.
    await page.route('**/_local/state*', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: JSON.stringify({ ...(await response.json()), padding: 'x'.repeat(3_000_000) }) });
    });
    const reads: string[] = [];
    const seen = (response: { url(): string }) => {
      if (response.url().includes('/_local/state')) reads.push('state');
      else if (/\/_local\/requests\?.*last=/.test(response.url())) reads.push('requests');
    };
    try {
      await page.waitForResponse((response) => response.url().includes('/_local/state'));
      page.on('response', seen);
      await until('three refreshes of the journal', () => reads.filter((read) => read === 'requests').length >= 3);

      expect(reads.filter((read) => read === 'state')).toEqual([]);
    } finally {
      page.off('response', seen);
      await page.unroute('**/_local/state*');
    }
  });

  test('ran no value as script, broke no Content-Security-Policy rule, and threw no error', () => {
    expect(problems).toEqual([]);
  });
});
