import { partition } from '@aws-sdk/core/client';
import { ApiError } from '../../../lambda/domain/errors.js';
import {
  clientCertificateArn,
  clientCertificateIdOf,
  parseTagKeys,
  parseTagResourceInput,
  partitionOf,
  withoutTags,
  withTags,
} from '../../../lambda/domain/tags.js';

describe('ARNs', () => {
  test('a certificate ARN names its id in its region', () => {
    const arn = clientCertificateArn('eu-west-1', 'abc123');
    expect(arn).toBe('arn:aws:apigateway:eu-west-1::/clientcertificates/abc123');
    expect(clientCertificateIdOf(arn, 'eu-west-1')).toBe('abc123');
  });

  test.each([
    ['cn-north-1', 'arn:aws-cn:apigateway:cn-north-1::/clientcertificates/abc123'],
    ['cn-northwest-1', 'arn:aws-cn:apigateway:cn-northwest-1::/clientcertificates/abc123'],
    ['us-gov-west-1', 'arn:aws-us-gov:apigateway:us-gov-west-1::/clientcertificates/abc123'],
    ['us-iso-east-1', 'arn:aws-iso:apigateway:us-iso-east-1::/clientcertificates/abc123'],
  ])("in %s the ARN has that region's partition, and only that ARN names the certificate", (region, arn) => {
    expect(clientCertificateArn(region, 'abc123')).toBe(arn);
    expect(clientCertificateIdOf(arn, region)).toBe('abc123');
    expect(clientCertificateIdOf(`arn:aws:apigateway:${region}::/clientcertificates/abc123`, region)).toBeUndefined();
  });

  // The AWS SDK's own partitions data decides a region's partition for every AWS client.
  test.each([
    'us-east-1',
    'eu-west-1',
    'ap-southeast-7',
    'mx-central-1',
    'il-central-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-west-1',
    'us-gov-east-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
    'local',
    'xx-unknown-9',
  ])('the partition of %s is the one the AWS SDK names', (region) => {
    expect(partitionOf(region)).toBe(partition(region).name);
  });

  test.each([
    ['another region', 'arn:aws:apigateway:us-east-1::/clientcertificates/abc123'],
    ['another partition', 'arn:aws-cn:apigateway:eu-west-1::/clientcertificates/abc123'],
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
