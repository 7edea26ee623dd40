/**
 * Every line of the header `name` (lower case) as received, in order: node:http's `headers` keeps only
 * the first of some repeated headers (Host, Authorization, Content-Type) and joins others, where a
 * layer behind may read the last, so a check that must agree with it reads `rawHeaders`.
 */
export const headerLines = (rawHeaders: readonly string[], name: string): string[] =>
  rawHeaders.flatMap((each, i) => (i % 2 === 0 && each.toLowerCase() === name ? [rawHeaders[i + 1] ?? ''] : []));
