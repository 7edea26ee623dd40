import { invalidTagKey, invalidTagValue, reservedTagKey, tooManyTags } from './errors.js';

/**
 * The developer guide's tag characters: letters, numbers and spaces representable in UTF-8, and
 * these symbols (AWS's common tag pattern; the API reference's ASCII class is narrower than AWS).
 */
const TAG_SYMBOLS = ['+', '-', '=', '.', '_', ':', '/', '@'] as const;
const TAG_PATTERN = new RegExp(`^[\\p{L}\\p{Z}\\p{N}${TAG_SYMBOLS.map((s) => (s === '-' ? '\\-' : s)).join('')}]*$`, 'u');

/** The tag rules of the API Gateway model, each a fact the check and its message both read. */
export const TAG_RULES = {
  characters: `letters, numbers, spaces and ${TAG_SYMBOLS.join(' ')}`,
  maxKeyLength: 128,
  maxValueLength: 256,
  /** API Gateway's quota of tags per resource. */
  maxTags: 50,
  /** Reserved for AWS's own tags, in any case. */
  reservedPrefix: 'aws:',
} as const;

/** Length in characters (code points), as AWS counts a tag's. */
const characters = (text: string): number => [...text].length;

/**
 * A string of more UTF-16 units than twice the limit has more characters than the limit: refused
 * before it is counted, so a 10 MB key costs no more than any other bad one.
 */
const fits = (text: string, max: number): boolean => text.length <= 2 * max && characters(text) <= max;

/** A map of 1 to maxKeyLength character keys to values of at most maxValueLength, at most maxTags of them. */
export const validateTags = (tags: Readonly<Record<string, string>>): void => {
  const { maxKeyLength, maxValueLength, maxTags, reservedPrefix } = TAG_RULES;
  if (Object.keys(tags).length > maxTags) throw tooManyTags(maxTags);
  for (const [key, value] of Object.entries(tags)) {
    if (key === '' || !fits(key, maxKeyLength) || !TAG_PATTERN.test(key)) throw invalidTagKey(key, maxKeyLength, TAG_RULES.characters);
    if (key.toLowerCase().startsWith(reservedPrefix)) throw reservedTagKey(reservedPrefix);
    if (!fits(value, maxValueLength) || !TAG_PATTERN.test(value)) throw invalidTagValue(key, maxValueLength, TAG_RULES.characters);
  }
};
