import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError } from '../../../lambda/domain/errors.js';
import { PAGE_CSS, PAGE_SCRIPT, pageHtml } from './assets.js';

/** The page's path: `GET /_local/` in a browser. */
export const PAGE_PATH = '/_local/';
/** Where its files are. */
const ASSETS = '/_local/page/';

/** The header a change made from the page carries, with the page's token. */
export const PAGE_TOKEN_HEADER = 'x-local-page-token';

/**
 * Only the service's own files, and connections to itself; no inline script or style, no frame, no
 * form: a value that slipped past the escaping still could not run. (`data:` for the empty icon, which
 * spares the browser a request for /favicon.ico, journaled as a 404.)
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * What the page looks at, checked by the control plane as any of its calls' scope (`?all`,
 * `?account=&region=`): a namespace `<account>#<region>`, or `all`. Asked only for the page itself.
 */
export type PageScope = () => string;

export interface LocalPage {
  /** The page or one of its files; `undefined` for any other path. */
  answer(method: string, path: string, scope: PageScope): APIGatewayProxyStructuredResultV2 | undefined;
  /**
   * Why a change a browser asks for is refused, or `undefined` to let it through: a request that a
   * browser made (it says where from, in `Origin` or `Sec-Fetch-Site`) and that changes something
   * must carry the page's token, which only a page the service served, read by its own origin, holds.
   */
  refusal(method: string, headers: IncomingHttpHeaders): ApiError | undefined;
}

/** The page of one service, with a token of its own, new each time the service starts. */
export const localPage = (): LocalPage => {
  const token = randomBytes(24).toString('base64url');
  const files: Record<string, { type: string; body: string }> = {
    [`${ASSETS}page.css`]: { type: 'text/css; charset=utf-8', body: PAGE_CSS },
    [`${ASSETS}page.js`]: { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  };
  return {
    answer: (method, path, scope) => {
      if (method !== 'GET') return undefined;
      if (path === PAGE_PATH)
        return served('text/html; charset=utf-8', pageHtml({ token, tokenHeader: PAGE_TOKEN_HEADER, scope: described(scope()) }));
      const file = files[path];
      return file === undefined ? undefined : served(file.type, file.body);
    },
    refusal: (method, headers) => {
      if (method === 'GET' || method === 'HEAD') return undefined;
      const fromBrowser = headers.origin !== undefined || headers['sec-fetch-site'] !== undefined;
      return fromBrowser && !sameText(headers[PAGE_TOKEN_HEADER], token) ? withoutPageToken() : undefined;
    },
  };
};

/** What the page looks at, in words. */
const described = (scope: string): string => (scope === 'all' ? 'every namespace' : `namespace ${scope}`);

/** A browser's change to the control plane without the page's token (a page the service did not serve). */
const withoutPageToken = (): ApiError =>
  new ApiError(
    'AccessDeniedException',
    `A web page may change the control plane only from the service's own page at ${PAGE_PATH}, which sends its token in ${PAGE_TOKEN_HEADER}`,
  );

const served = (type: string, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: {
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The page holds the token: no cache keeps it past the service that made it.
    'cache-control': 'no-store',
  },
  body,
});

/** Whether a header holds exactly `expected`, compared in constant time. */
const sameText = (given: string | string[] | undefined, expected: string): boolean => {
  if (typeof given !== 'string') return false;
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
};
