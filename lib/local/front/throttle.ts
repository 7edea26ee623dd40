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
  /** Takes a token; `false` when there is none, and the request is to be answered 429. */
  return (): boolean => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - last) / 1000) * rate);
    last = at;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
};

/**
 * Default route throttling: each route of the stage gets its own bucket with the stage's settings,
 * as HTTP API applies `DefaultRouteSettings` to every route.
 */
export const routeThrottle = (settings: ThrottleSettings, now?: () => number) => {
  const buckets = new Map<string, () => boolean>();
  return (routeKey: string): boolean => {
    let take = buckets.get(routeKey);
    if (take === undefined) {
      take = tokenBucket(settings, now);
      buckets.set(routeKey, take);
    }
    return take();
  };
};
