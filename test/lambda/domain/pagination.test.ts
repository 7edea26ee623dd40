import { ApiError } from '../../../lambda/domain/errors.js';
import { encodePosition, parsePageRequest } from '../../../lambda/domain/pagination.js';

describe('limit', () => {
  test('defaults to 25', () => {
    expect(parsePageRequest(null, null)).toEqual({ limit: 25 });
  });

  test.each(['1', '500', '007'])('%j is a valid limit', (limit) => {
    expect(parsePageRequest(limit, null).limit).toBe(Number(limit));
  });

  // API Gateway answers 200 to limits outside 1..500 (GetApiKeys with -1; GetUsage up to 2^31-1).
  test.each([
    ['501', 500],
    ['1000', 500],
    ['2147483647', 500],
    ['99999999999999999999', 500],
    ['0', 25],
    ['-1', 25],
  ])('%j is accepted, as a page of %d', (limit, size) => {
    expect(parsePageRequest(limit, null).limit).toBe(size);
  });

  test.each(['1.5', 'abc', '', ' 5', '1e2', '0x10', '--1'])('%j is a BadRequestException', (limit) => {
    expect(() => parsePageRequest(limit, null)).toThrow(new ApiError('BadRequestException', 'Invalid limit: must be an integer'));
  });
});

describe('position', () => {
  test('round-trips the id it was made from', () => {
    expect(parsePageRequest('10', encodePosition('abc123'))).toEqual({ limit: 10, after: 'abc123' });
  });

  test.each([
    ['not base64url', '%%%'],
    ['garbled', 'Zm9vYmFy'],
    ['empty', ''],
    ['a forged id', Buffer.from(JSON.stringify(['v1', 'quota#1'])).toString('base64url')],
    ['another version', Buffer.from(JSON.stringify(['v2', 'abc123'])).toString('base64url')],
    ['a truncated token', encodePosition('abc123').slice(0, -3)],
  ])('%s is a BadRequestException', (_, position) => {
    expect(() => parsePageRequest(null, position)).toThrow(new ApiError('BadRequestException', 'Invalid position specified'));
  });
});
