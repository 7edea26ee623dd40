import { isClientCertificateId, newClientCertificateId, parseGenerateInput } from '../../../lambda/domain/client-certificate.js';
import { ApiError } from '../../../lambda/domain/errors.js';

describe('client certificate ids', () => {
  test('are 6 characters of [a-z0-9] and vary', () => {
    const ids = Array.from({ length: 500 }, newClientCertificateId);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{6}$/);
    expect(new Set(ids).size).toBeGreaterThan(495);
  });

  test.each([
    ['9ao60f', true],
    ['abc12', false],
    ['ABC123', false],
    ['abc1234', false],
    ['abc-12', false],
    ['', false],
  ])('%j is an id this service could have issued: %s', (id, expected) => {
    expect(isClientCertificateId(id)).toBe(expected);
  });
});

describe('GenerateClientCertificate input', () => {
  test('no body is no description and no tags', () => {
    expect(parseGenerateInput(undefined)).toEqual({ tags: {} });
  });

  test('description and tags are taken as given', () => {
    expect(parseGenerateInput({ description: 'd', tags: { team: 'blue' } })).toEqual({ description: 'd', tags: { team: 'blue' } });
  });

  test.each([
    [[1], 'Invalid request body: expected a JSON object'],
    [{ description: {} }, 'Invalid request body: description must be a string'],
    [{ tags: ['a'] }, 'Invalid request body: tags must be an object of string values'],
    [{ tags: { a: null } }, 'Invalid request body: tags must be an object of string values'],
    [{ tags: { a: ['b'] } }, 'Invalid request body: tags must be a string'],
  ])('%j is a BadRequestException', (body, message) => {
    expect(() => parseGenerateInput(body)).toThrow(new ApiError('BadRequestException', message));
  });

  test.each([
    [{ description: 5 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'],
    [{ description: true }, 'class java.lang.Boolean can not be converted to an String'],
    [{ tags: { a: 1 } }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'],
    [{ tags: { a: false } }, 'class java.lang.Boolean can not be converted to an String'],
  ])('%j, a boolean or a number for a string, is a SerializationException', (body, message) => {
    expect(() => parseGenerateInput(body)).toThrow(new ApiError('SerializationException', message));
  });

  test('a description is held to the same rules as an update holds it', () => {
    expect(parseGenerateInput({ description: 'x'.repeat(125_000) }).description).toHaveLength(125_000);
    for (const description of ['x'.repeat(125_001), 'a\ud800b']) {
      expect(() => parseGenerateInput({ description })).toThrow(
        new ApiError('BadRequestException', 'Invalid ClientCertificate description specified.'),
      );
    }
  });
});
