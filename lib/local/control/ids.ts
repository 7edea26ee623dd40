import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isObject } from '../../../lambda/domain/client-certificate.js';
import { badRequest } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { partitionOf } from '../../../lambda/store/item.js';
import { seededClientCertificateId } from '../base/seeded-id.js';
import type { Scope } from './per-namespace.js';
import { answerSetting, PerNamespace } from './per-namespace.js';

export const MAX_SEED_LENGTH = 256;

/**
 * A seed is printable ASCII: the same bytes on every machine, where other text could be stored in
 * another Unicode normal form and key another sequence.
 */
const SEED = new RegExp(`^[\\x20-\\x7e]{1,${MAX_SEED_LENGTH}}$`);
export const SEED_RULE = `1 to ${MAX_SEED_LENGTH} printable ASCII characters`;
export const isIdSeed = (value: unknown): value is string => typeof value === 'string' && SEED.test(value);

/** A namespace's id sequence as an invocation draws from it (lib/local/functions/function-worker.ts). */
export interface IdSequence {
  readonly seed: string;
  /** How many ids were drawn: the n-th draw is id n of the seed's sequence. */
  readonly drawn: Int32Array;
}

/**
 * Each namespace's certificate ids: random, as deployed, until a seed is set for the namespace (or
 * for every one, by the ID_SEED setting); then the n-th id drawn there is the seed's n-th
 * (../base/seeded-id.ts), whatever happens in other namespaces.
 *
 * The count of ids drawn lives here, in the main thread, in a SharedArrayBuffer each invocation is
 * handed: the functions' thread counts up in it atomically, one per id its Generate actually draws
 * (a collision's retry draws the next), and it outlives any functions' thread that is replaced.
 */
export class IdSequences {
  private readonly seeds = new PerNamespace<string>('id seed');
  private readonly counts = new Map<string, Int32Array>();

  constructor(private readonly defaultSeed?: string) {}

  /** The sequence `key`'s next Generate draws from, started at its first use; `undefined` for random ids. */
  sequence(key: string): IdSequence | undefined {
    const seed = this.seeds.get(key) ?? this.defaultSeed;
    if (seed === undefined) return undefined;
    let drawn = this.counts.get(key);
    if (drawn === undefined) {
      drawn = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      this.counts.set(key, drawn);
    }
    return { seed, drawn };
  }

  /** Seeds `key` with `seed` (from outside: checked, a 400 when it is none) and starts its sequence at its first id. */
  seed(key: string, seed: unknown): void {
    if (!isIdSeed(seed)) throw badRequest(`'seed' must be ${SEED_RULE}`);
    this.seeds.set(key, seed);
    this.rewind(key);
  }

  /** Takes `key`'s own seed, or every namespace's, away: random ids again, or the default seed's from its start. */
  unseed(key: string | 'all'): number {
    const removed = this.seeds.delete(key);
    this.rewind(key);
    return removed;
  }

  /**
   * Starts `key`'s sequence, or every one, again from its first id. The count is replaced, not set to
   * 0: an invocation still under way with the old one cannot move the new sequence.
   */
  rewind(key: string | 'all'): void {
    if (key === 'all') this.counts.clear();
    else this.counts.delete(key);
  }

  /** What `/_local/ids` shows of `key`'s sequence. */
  describe(key: string): IdsReading {
    const seed = this.seeds.get(key) ?? this.defaultSeed ?? null;
    const count = this.counts.get(key);
    const drawn = count === undefined ? 0 : Atomics.load(count, 0);
    return { namespace: key, seed, drawn, next: seed === null ? null : seededClientCertificateId(seed, drawn) };
  }

  /** Namespaces with a seed of their own or ids drawn, in key order. */
  keys(): string[] {
    return [...new Set([...this.seeds.entries().map(([key]) => key), ...this.counts.keys()])].sort();
  }
}

/** A namespace's id sequence, as `/_local/ids` answers it. */
export interface IdsReading {
  /** `<account>#<region>`. */
  readonly namespace: string;
  /** The seed the namespace's ids follow, its own or the ID_SEED setting's; `null`: random ids. */
  readonly seed: string | null;
  /** Ids drawn from the sequence since it started. */
  readonly drawn: number;
  /** The id the next draw gives, `null` for random ids. */
  readonly next: string | null;
}

/** The id sequences as `service.control` offers them; `/_local/ids` answers with the same. */
export interface IdsControl {
  /** `namespace`'s id sequence. */
  ids(namespace: Namespace): IdsReading;
  /** Every sequence seeded by its namespace or with ids drawn. */
  allIds(): IdsReading[];
  /** Seeds `namespace`'s ids, from the sequence's first; a bad seed throws a 400 ApiError and changes nothing. */
  setIdSeed(namespace: Namespace, seed: string): IdsReading;
  /** Takes `namespace`'s own seed, or every one's, away; returns how many there were. */
  removeIdSeed(namespace?: Namespace): number;
}

export const idsControl = (sequences: IdSequences): IdsControl => ({
  ids: (namespace) => sequences.describe(partitionOf(namespace)),
  allIds: () => sequences.keys().map((key) => sequences.describe(key)),
  setIdSeed: (namespace, seed) => {
    sequences.seed(partitionOf(namespace), seed);
    return sequences.describe(partitionOf(namespace));
  },
  removeIdSeed: (namespace) => sequences.unseed(namespace === undefined ? 'all' : partitionOf(namespace)),
});

/**
 * `/_local/ids`: GET shows the namespace's sequence (`?all`: every one seeded or drawn from), PUT
 * `{"seed"}` seeds it (one namespace at a time), DELETE takes its seed away (`?all`: every one's).
 */
export const answerIds = (
  control: IdsControl,
  method: string,
  scope: () => Scope,
  body: () => unknown,
): APIGatewayProxyStructuredResultV2 =>
  answerSetting(
    {
      what: 'A seed',
      read: control.ids,
      readAll: () => ({ sequences: control.allIds() }),
      set: (namespace, value) => {
        if (!isObject(value) || Object.keys(value).length !== 1 || !('seed' in value))
          throw badRequest('Invalid request body: expected {"seed": "<seed>"}');
        return control.setIdSeed(namespace, value.seed as string);
      },
      remove: (namespace) => ({ removed: control.removeIdSeed(namespace) }),
    },
    method,
    scope,
    body,
  );
