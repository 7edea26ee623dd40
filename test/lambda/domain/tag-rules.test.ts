import { ApiError } from '../../../lambda/domain/errors.js';
import { validateTags } from '../../../lambda/domain/tag-rules.js';

/** What validateTags refused `tags` with, as the wire carries it. */
const refusal = (tags: Record<string, string>) => {
  try {
    validateTags(tags);
  } catch (error) {
    if (error instanceof ApiError) return { type: error.type, message: error.message };
    throw error;
  }
  return undefined;
};

// The texts clients see (checked on the wire by test/conformance/lifecycle-sdk.test.ts too).
const CHARACTERS = 'letters, numbers, spaces and + - = . _ : / @';
const badKey = (key: string) => ({
  type: 'BadRequestException',
  message: `Invalid tag key '${key}': 1 to 128 characters from ${CHARACTERS}`,
});
const badValue = (key: string) => ({
  type: 'BadRequestException',
  message: `Invalid tag value for key '${key}': at most 256 characters from ${CHARACTERS}`,
});

describe('Function: validateTags', () => {
  test('keys of 1 to 128 and values up to 256 allowed characters pass', () => {
    expect(refusal({ ['k'.repeat(128)]: 'v'.repeat(256), 'a+-=._:/ @9': '' })).toBeUndefined();
  });

  // The developer guide: letters, numbers and spaces representable in UTF-8, and + - = . _ : / @.
  test('letters, numbers and spaces of any script pass, counted in characters (𝐀 is two UTF-16 units)', () => {
    expect(refusal({ équipe: 'données', 部署: '東京 ２', 'κλειδί\u00a0x': '٣', ['𝐀'.repeat(128)]: '𝐀'.repeat(256) })).toBeUndefined();
  });

  test.each([
    ['an empty key', ''],
    ['a key of 129 characters', 'k'.repeat(129)],
    ['a key of 129 characters of two UTF-16 units each', '𝐀'.repeat(129)],
    ['a key with a character outside the set', 'k*'],
    ['a key with a line break', 'k\nl'],
  ])('%s is refused, naming the key and the rule', (_, key) => {
    expect(refusal({ [key]: 'v' })).toEqual(badKey(key));
  });

  test('a key too long is quoted in its refusal only up to 1024 characters', () => {
    expect(refusal({ ['k'.repeat(5_000)]: 'v' })).toEqual(badKey(`${'k'.repeat(1_024)}...`));
  });

  test.each(['aws:owner', 'AWS:owner', 'Aws:'])("the reserved prefix 'aws:' in any case, with API Gateway's text: %j", (key) => {
    expect(refusal({ [key]: 'v' })).toEqual({
      type: 'BadRequestException',
      message: "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)",
    });
  });

  test.each([
    ['of 257 characters', 'v'.repeat(257)],
    ['with a character outside the set', 'v#'],
    ['with a NUL', 'a\u0000b'],
    ['with an emoji', '😀'],
  ])('a value %s is refused, naming its key and the rule', (_, value) => {
    expect(refusal({ k: value })).toEqual(badValue('k'));
  });

  test('50 tags pass; a 51st is refused, naming the quota', () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

    expect(refusal(tags(50))).toBeUndefined();
    expect(refusal(tags(51))).toEqual({ type: 'BadRequestException', message: 'Too many tags: a resource can have at most 50 tags' });
  });
});
