import fc from 'fast-check';
import { ApiError } from '../../../lambda/domain/errors.js';
import { decodeQuery, queryParameters } from '../../../lambda/http/query.js';
import type { LocalService } from '../../../lib/local/service.js';
import { send } from '../../support/http.js';
import { startTestService } from '../../support/service.js';

const pairs = (raw: string) => {
  const parameters = decodeQuery(raw);
  return parameters === undefined ? undefined : [...parameters];
};

describe('Function: decodeQuery', () => {
  test.each([
    ['a raw + is a space', 'tagKeys=a+b', [['tagKeys', 'a b']]],
    ['%20 is a space', 'tagKeys=a%20b', [['tagKeys', 'a b']]],
    ['%2B is a plus', 'tagKeys=a%2Bb', [['tagKeys', 'a+b']]],
    ['a + in a name is a space too', 'a+b=c', [['a b', 'c']]],
    [
      'repeated names keep every value, in order',
      'tagKeys=b&tagKeys=a',
      [
        ['tagKeys', 'b'],
        ['tagKeys', 'a'],
      ],
    ],
    ['an empty value is empty', 'limit=', [['limit', '']]],
    ['a name without = has the empty value', 'limit', [['limit', '']]],
    ['only the first = splits', 'a=b=c', [['a', 'b=c']]],
    ['empty pieces are skipped', '&&a=1&', [['a', '1']]],
    ['an empty query has no parameters', '', []],
    ['UTF-8 is decoded', 'k=%C3%A9%F0%9F%98%80', [['k', '\u00e9\ud83d\ude00']]],
  ])('%s', (_, raw, expected) => {
    expect(pairs(raw)).toEqual(expected);
  });

  test.each([['%zz'], ['a=%'], ['a=%2'], ['a=%FF'], ['a=%C3'], ['a=%ED%A0%80'], ['%zz=1'], ['a=\ud800']])(
    '%j is malformed: undefined, not a guess',
    (raw) => {
      expect(decodeQuery(raw)).toBeUndefined();
    },
  );

  test('agrees with the WHATWG form decoding API Gateway applies, on every well-formed query', () => {
    const piece = fc
      .array(fc.constantFrom('a', 'Z', '0', '+', ' ', '%', '&', '=', '#', '/', '~', '\u00e9', '\ud83d\ude00'), { maxLength: 6 })
      .map((chars) => chars.join(''));
    const wellFormed = fc.array(fc.tuple(piece, piece, fc.constantFrom('raw', 'percent', 'bare')), { maxLength: 5 }).map((parameters) =>
      parameters
        .map(([name, value, form]) => {
          const encode = (text: string) => (form === 'raw' ? encodeURIComponent(text).replaceAll('%20', '+') : encodeURIComponent(text));
          return form === 'bare' && value === '' && name !== '' ? encode(name) : `${encode(name)}=${encode(value)}`;
        })
        .join('&'),
    );

    fc.assert(
      fc.property(wellFormed, (raw) => {
        expect(pairs(raw)).toEqual([...new URLSearchParams(raw)]);
      }),
      { seed: 20261130, numRuns: 2_000 },
    );
  });
});

describe('Function: queryParameters', () => {
  test('malformed percent-encoding is a 400 BadRequestException', () => {
    expect(() => queryParameters('position=%zz')).toThrow(ApiError);
    expect(() => queryParameters('position=%zz')).toThrow('Invalid query string: malformed percent-encoding');
  });

  test('no query string at all is no parameters', () => {
    expect([...queryParameters(undefined)]).toEqual([]);
  });
});

describe('the handlers, through the local service without AUTH', () => {
  let service: LocalService;

  beforeAll(async () => {
    service = await startTestService();
  });

  afterAll(async () => {
    await service.close();
  });

  test('a query with malformed percent-encoding is a 400 naming the query string', async () => {
    const response = await send(service.url, { path: '/clientcertificates?position=%zz' });

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(response.json).toEqual({ message: 'Invalid query string: malformed percent-encoding' });
  });
});
