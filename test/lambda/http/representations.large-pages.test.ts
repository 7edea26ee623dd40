import { MAX_FUNCTION_RESPONSE_BYTES } from '../../../lambda/http/representations.js';
import type { LocalService } from '../../../lib/local/service.js';
import { send } from '../../support/http.js';
import { startTestService } from '../../support/service.js';

/**
 * Every page can be delivered: certificates as large as the API lets a client make them, with
 * descriptions that grow sixfold when escaped, are listed a few to a page, with a position for the
 * rest, in plain JSON and in HAL alike, instead of a page past what a function may return.
 */

const COUNT = 8;
// 125 000 characters, the most a description may have, each escaped as \u0001 in JSON.
const LARGEST = '\u0001'.repeat(125_000);

let service: LocalService;

beforeAll(async () => {
  service = await startTestService();
  for (let i = 0; i < COUNT; i++) {
    const made = await send(service.url, {
      method: 'POST',
      path: '/clientcertificates',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: LARGEST, tags: { n: String(i) } }),
    });
    expect(made.status).toBe(201);
  }
});

afterAll(async () => {
  await service.close();
});

test.each([
  ['plain JSON', 'application/json', (page: any) => ({ items: page.item ?? [], position: page.position })],
  [
    'HAL',
    'application/hal+json',
    (page: any) => {
      const embedded = page._embedded?.item ?? [];
      const next: string | undefined = page._links.next?.href;
      return {
        items: Array.isArray(embedded) ? embedded : [embedded],
        position: next === undefined ? undefined : new URL(next, 'http://x').searchParams.get('position'),
      };
    },
  ],
] as const)('%s: pages of the largest certificates fit, and walking them lists each once', async (_, accept, read) => {
  const seen: string[] = [];
  let position: string | undefined;
  let pages = 0;
  do {
    const query = position === undefined ? '' : `?position=${encodeURIComponent(position)}`;
    const response = await send(service.url, { path: `/clientcertificates${query}`, headers: { accept } });
    expect(response.status).toBe(200);
    // Escaped once more inside the function's own response, the page still fits what Lambda returns.
    expect(Buffer.byteLength(JSON.stringify(response.body.toString()))).toBeLessThan(MAX_FUNCTION_RESPONSE_BYTES);
    const page = read(response.json);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.length).toBeLessThan(COUNT);
    seen.push(...page.items.map((item: { clientCertificateId: string }) => item.clientCertificateId));
    position = page.position ?? undefined;
    pages++;
  } while (position !== undefined && pages < COUNT + 1);

  expect(seen).toHaveLength(COUNT);
  expect(new Set(seen).size).toBe(COUNT);
});
