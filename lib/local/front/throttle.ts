/** A stage's throttling settings, as HTTP API's `DefaultRouteSettings` takes them. */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rate: number;
  /** Requests that may arrive at once on a full bucket. */
  readonly burst: number;
}

/**
 * The token bucket API Gateway throttles with: it holds up to `burst` tokens, refills at `rate` a
 * second, and each request takes one or is refused. `now` is in milliseconds.
 */
export const tokenBucket = ({ rate, burst }: ThrottleSettings, now: () => number = () => performance.now()) => {
  let tokens = burst;
  let last = now();
  const refill = (): void => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - last) / 1000) * rate);
    last = at;
  };
  /** Takes a token; `false` when there is none, and the request is to be answered 429. */
  const take = (): boolean => {
    refill();
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  /** Whether it holds its whole burst again: then it is no different from a new one. */
  take.full = (): boolean => {
    refill();
    return tokens >= burst;
  };
  return take;
};

/** Buckets kept before the full ones are let go. */
const KEPT_BUCKETS = 1_000;

/**
 * Default route throttling: each route of the stage gets its own bucket with the stage's settings,
 * as HTTP API applies `DefaultRouteSettings` to every route; and each namespace its own buckets, as
 * each AWS account has its own API and stage, so one caller's flood never throttles another's calls.
 * A full bucket is let go once there are many (callers may name namespaces without end).
 */
export const routeThrottle = (settings: ThrottleSettings, now?: () => number) => {
  const buckets = new Map<string, ReturnType<typeof tokenBucket>>();
  let sweepAt = KEPT_BUCKETS;
  const take = (namespace: string, routeKey: string): boolean => {
    const key = `${namespace} ${routeKey}`;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= sweepAt) {
        for (const [kept, held] of buckets) if (held.full()) buckets.delete(kept);
        // Swept again only once as many more have come: a sweep's cost is spread over the buckets made since.
        sweepAt = Math.max(KEPT_BUCKETS, 2 * buckets.size);
      }
      bucket = tokenBucket(settings, now);
      buckets.set(key, bucket);
    }
    return bucket();
  };
  /** Buckets held now. */
  take.buckets = (): number => buckets.size;
  return take;
};
