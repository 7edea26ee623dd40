import { isClientCertificateId } from './client-certificate.js';
import { invalidLimit, invalidPosition } from './errors.js';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 500;

/** A page request: at most `limit` certificates, starting after the one with id `after`. */
export interface PageRequest {
  readonly limit: number;
  readonly after?: string;
}

/**
 * `limit` and `position` as they arrive in the query string. API Gateway takes any integer limit
 * (recorded: GetApiKeys with -1, GetUsage up to 2^31-1): below 1 means the default page, above
 * MAX_LIMIT the documented largest. Garbage in either is a 400.
 */
export const parsePageRequest = (limit: string | null, position: string | null): PageRequest => {
  if (limit !== null && !/^-?\d+$/.test(limit)) throw invalidLimit();
  const n = limit === null ? DEFAULT_LIMIT : Number(limit);
  const size = n < 1 ? DEFAULT_LIMIT : Math.min(n, MAX_LIMIT);
  return position === null ? { limit: size } : { limit: size, after: decodePosition(position) };
};

// The position is opaque to clients; inside, it is the last id returned, versioned so its form can change.
// That id is all a list needs to resume: the namespace is the caller's own, taken from each request.
const POSITION_VERSION = 'v1';

export const encodePosition = (afterId: string): string => Buffer.from(JSON.stringify([POSITION_VERSION, afterId])).toString('base64url');

const decodePosition = (position: string): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(position)) throw invalidPosition();
  try {
    const decoded: unknown = JSON.parse(Buffer.from(position, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded[0] === POSITION_VERSION) {
      const [, id] = decoded as [string, unknown];
      if (typeof id === 'string' && isClientCertificateId(id)) return id;
    }
  } catch {
    // falls through: any garbling is the same client error
  }
  throw invalidPosition();
};
