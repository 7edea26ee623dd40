import { ApiError } from '../../lambda/domain/errors.js';
import {
  clientCertificateArn,
  clientCertificateIdOf,
  parseTagKeys,
  parseTagResourceInput,
  withoutTags,
  withTags,
} from '../../lambda/domain/tags.js';

describe('ARNs', () => {
  test('a certificate ARN names its id in its region', () => {
    const arn = clientCertificateArn('eu-west-1', 'abc123');
    expect(arn).toBe('arn:aws:apigateway:eu-west-1::/clientcertificates/abc123');
    expect(clientCertificateIdOf(arn, 'eu-west-1')).toBe('abc123');
  });

  test.each([
    ['another region', 'arn:aws:apigateway:us-east-1::/clientcertificates/abc123'],
    ['another resource', 'arn:aws:apigateway:eu-west-1::/restapis/abc123'],
    ['a bad id', 'arn:aws:apigateway:eu-west-1::/clientcertificates/ABC123'],
    ['a trailing path', 'arn:aws:apigateway:eu-west-1::/clientcertificates/abc123/x'],
    ['not an ARN', 'abc123'],
  ])('%s names nothing', (_, arn) => {
    expect(clientCertificateIdOf(arn, 'eu-west-1')).toBeUndefined();
  });
});

describe('TagResource and UntagResource input', () => {
  test('tags are required, reported as API Gateway reports a missing member', () => {
    expect(() => parseTagResourceInput({})).toThrow(
      new ApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'tagResourceInput.tags' failed to satisfy constraint: Member must not be null",
      ),
    );
  });

  test('tags must follow the tag rules', () => {
    expect(() => parseTagResourceInput({ tags: { 'aws:x': 'y' } })).toThrow(ApiError);
    expect(parseTagResourceInput({ tags: { team: 'blue' } })).toEqual({ team: 'blue' });
  });

  test('tagKeys are required', () => {
    expect(() => parseTagKeys([])).toThrow(
      new ApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'untagResourceInput.tagKeys' failed to satisfy constraint: Member must not be null",
      ),
    );
  });

  test('tagging adds and overwrites; untagging removes only the keys named', () => {
    expect(withTags({ a: '1', b: '2' }, { b: '3', c: '4' })).toEqual({ a: '1', b: '3', c: '4' });
    expect(withoutTags({ a: '1', b: '2', c: '3' }, ['a', 'c', 'missing'])).toEqual({ b: '2' });
  });
});

describe('the tag quota', () => {
  const tagsNamed = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));

  test('50 tags are allowed, 51 are a BadRequestException', () => {
    expect(() => parseTagResourceInput({ tags: tagsNamed('k', 50) })).not.toThrow();
    expect(() => parseTagResourceInput({ tags: tagsNamed('k', 51) })).toThrow(
      new ApiError('BadRequestException', 'Too many tags: a resource can have at most 50 tags'),
    );
  });

  test('tagging counts the tags already there; overwriting one does not add to the count', () => {
    expect(() => withTags(tagsNamed('old', 40), tagsNamed('new', 11))).toThrow(ApiError);
    expect(Object.keys(withTags(tagsNamed('k', 50), { k0: 'changed' }))).toHaveLength(50);
  });
});
