import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isObject } from '../../../lambda/domain/client-certificate.js';
import { badRequest } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { partitionOf } from '../../../lambda/store/item.js';
import type { Scope } from './per-namespace.js';
import { answerSetting, PerNamespace } from './per-namespace.js';
import { LATEST_CREATED_DATE } from './state-document.js';

/**
 * The latest a namespace's clock may read: the latest `createdDate` a state document takes (./state-document.ts),
 * so a certificate generated at any time the clock can show can be exported and imported again.
 * The earliest is the epoch, as there.
 */
export const LATEST_CLOCK_MS = LATEST_CREATED_DATE * 1000;

/** A time as the control plane writes it: ISO-8601 in UTC, to the millisecond only when it has one. */
export const isoTime = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const RANGE = `from ${isoTime(0)} to ${isoTime(LATEST_CLOCK_MS)}`;
const BODY = 'Invalid request body: expected {"time": "<ISO-8601 date and time>"} or {"advanceSeconds": <whole seconds>}';
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Each namespace's test clock, as Stripe's test clocks are: frozen where it was set, moved only when
 * told, so that every certificate generated there until then has the same dates, run after run. A
 * namespace without one has the real clock.
 */
export class TestClocks {
  private readonly frozen = new PerNamespace<number>('test clock');

  /** The namespace's clock in epoch milliseconds; `undefined` when it is the real one. */
  get(key: string): number | undefined {
    return this.frozen.get(key);
  }

  /**
   * Sets or advances the namespace's clock as `change` (a request's body, from outside) says, after
   * checking it whole; returns what the clock reads now. An advance moves a real clock from now.
   */
  change(key: string, change: unknown, realNow: number = Date.now()): number {
    const reading = readChange(change, this.frozen.get(key) ?? realNow);
    this.frozen.set(key, reading);
    return reading;
  }

  /** Gives the namespace, or every one, the real clock again; returns how many clocks were set. */
  restore(key: string | 'all'): number {
    return this.frozen.delete(key);
  }

  /** The namespaces whose clock is set, and what each reads, in key order. */
  list(): [string, number][] {
    return this.frozen.entries();
  }
}

/** What a clock at `from` reads after `change`; a 400 BadRequestException for anything but a change within the bounds. */
const readChange = (change: unknown, from: number): number => {
  if (!isObject(change)) throw badRequest(BODY);
  const names = Object.keys(change);
  if (names.length !== 1) throw badRequest(BODY);
  if (names[0] === 'time') {
    const time = change.time;
    const ms = typeof time === 'string' ? parseIsoTime(time) : undefined;
    if (ms === undefined) throw badRequest("'time' must be an ISO-8601 date and time with Z or an offset, such as 2030-01-01T00:00:00Z");
    if (ms < 0 || ms > LATEST_CLOCK_MS) throw badRequest(`'time' must be ${RANGE}`);
    return ms;
  }
  if (names[0] === 'advanceSeconds') {
    const seconds = change.advanceSeconds;
    // Forward only, as a clock goes: a test that needs an earlier time sets it.
    if (!Number.isSafeInteger(seconds) || (seconds as number) < 0)
      throw badRequest("'advanceSeconds' must be a whole number of seconds from 0; to go back, set 'time'");
    const to = from + (seconds as number) * 1000;
    if (to > LATEST_CLOCK_MS)
      throw badRequest(`'advanceSeconds' would move the clock past ${isoTime(LATEST_CLOCK_MS)}, the latest it reads`);
    return to;
  }
  throw badRequest(BODY);
};

/**
 * Epoch milliseconds of an ISO-8601 date and time with `Z` or an offset, as written: a date that
 * does not exist (30 February) or hour 24 is none, where Date.parse alone would roll it over.
 */
const parseIsoTime = (text: string): number | undefined => {
  const match = ISO_TIME.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

/** What a namespace's clock reads, as `/_local/clock` answers it. */
export interface ClockReading {
  /** `<account>#<region>`. */
  readonly namespace: string;
  /** ISO-8601, UTC. */
  readonly time: string;
  /** Whether it is the namespace's test clock (set, and still until moved) rather than the real one. */
  readonly frozen: boolean;
}

/** The test clocks as `service.control` offers them; `/_local/clock` answers with the same. */
export interface ClockControl {
  /** What `namespace`'s clock reads. */
  clock(namespace: Namespace): ClockReading;
  /** Every clock that is set. */
  clocks(): ClockReading[];
  /** Sets (`{time}`) or advances (`{advanceSeconds}`) `namespace`'s clock; anything else throws a 400 ApiError and changes nothing. */
  setClock(namespace: Namespace, change: unknown): ClockReading;
  /** Gives `namespace`, or every one, the real clock again; returns how many clocks were set. */
  restoreClock(namespace?: Namespace): number;
}

export const clockControl = (clocks: TestClocks): ClockControl => {
  const reading = (namespace: string, frozen: number | undefined): ClockReading => ({
    namespace,
    time: isoTime(frozen ?? Date.now()),
    frozen: frozen !== undefined,
  });
  return {
    clock: (namespace) => reading(partitionOf(namespace), clocks.get(partitionOf(namespace))),
    clocks: () => clocks.list().map(([key, ms]) => reading(key, ms)),
    setClock: (namespace, change) => reading(partitionOf(namespace), clocks.change(partitionOf(namespace), change)),
    restoreClock: (namespace) => clocks.restore(namespace === undefined ? 'all' : partitionOf(namespace)),
  };
};

/**
 * `/_local/clock`: GET reads the namespace's clock (`?all`: every one set), PUT sets or advances it
 * (one namespace at a time), DELETE gives it the real clock again (`?all`: every one).
 */
export const answerClock = (
  control: ClockControl,
  method: string,
  scope: () => Scope,
  body: () => unknown,
): APIGatewayProxyStructuredResultV2 =>
  answerSetting(
    {
      what: 'A clock',
      read: control.clock,
      readAll: () => ({ clocks: control.clocks() }),
      set: control.setClock,
      remove: (namespace) => ({ restored: control.restoreClock(namespace) }),
    },
    method,
    scope,
    body,
  );
