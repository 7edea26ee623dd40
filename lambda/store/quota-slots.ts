import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { limitExceeded } from '../domain/errors.js';
import type { Namespace } from '../domain/namespace.js';
import { applied, WRITE_ATTEMPT_MS } from './client.js';
import { DeadlineExceededError, harmlessIfLate, remainingMs } from './deadline.js';
import type { Item } from './item.js';
import { CLAIMED_AT, keyOf, OWNER, SLOT, slotKey } from './item.js';
import { SORT_KEY } from './table.js';

/**
 * A quota slot claimed longer ago than this by a certificate that does not hold it is left over
 * from a request that died half-way; it may be reclaimed. Far longer than any request can run.
 */
export const STALE_SLOT_MS = 60_000;

const BATCH_GET_MAX = 100;

/** How long the pauses before reading unprocessed keys again grow: see `unprocessedPause`. */
export const UNPROCESSED_BACKOFF = { baseMs: 50, maxMs: 1_000 } as const;

/**
 * The pause before the `retry`-th read of keys a BatchGetItem left unprocessed: DynamoDB leaves them
 * when it throttles part of a batch, and asks for exponential backoff, since a batch retried at once
 * is throttled again (BatchGetItem, Amazon DynamoDB API Reference). Half of it fixed, half at random,
 * so that racing Generates spread out; never past the answer's due time, which the function's timeout
 * follows closely.
 */
export const unprocessedPause = (retry: number): number => {
  const ceiling = Math.min(UNPROCESSED_BACKOFF.maxMs, UNPROCESSED_BACKOFF.baseMs * 2 ** (retry - 1));
  return Math.min(ceiling / 2 + Math.random() * (ceiling / 2), Math.max(0, remainingMs()));
};

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

interface Slot {
  readonly index: number;
  readonly owner?: string;
  readonly claimedAt?: number;
}

/**
 * One namespace's quota, kept exact without transactions: `quota` slot items in the namespace's
 * partition, each claimed by a conditional write for the certificate that will hold it. Claiming
 * tries one slot at random, and only if it is taken reads the namespace's own `quota` slots and
 * nothing else, so its cost grows with the quota and not with the table or its other namespaces.
 */
export class QuotaSlots {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly namespace: Namespace,
    private readonly quota: number,
    private readonly now: () => number,
  ) {}

  /** A free slot, or failing that a stale one, claimed for `owner`; none left is LimitExceededException. */
  async claim(owner: string): Promise<number> {
    // Most Generates find most slots free: one at random is tried before reading them all.
    const guess = randomInt(this.quota);
    if (await this.tryClaim({ index: guess }, owner)) return guess;
    const slots = await this.read();
    for (const slot of shuffled(slots.filter((s) => s.owner === undefined))) {
      if (await this.tryClaim(slot, owner)) return slot.index;
    }
    for (const slot of await this.stale(slots)) {
      if (await this.tryClaim(slot, owner)) return slot.index;
    }
    throw limitExceeded(this.quota);
  }

  /**
   * Frees `owner`'s slot, if it still holds it. Best effort: the certificate is already gone or was
   * never stored, and a slot left behind by a failure here is reclaimed once stale. Sent while any
   * time is left before the answer: landing after it only frees what no certificate holds.
   */
  async release(index: number, owner: string): Promise<void> {
    await harmlessIfLate(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(this.namespace, slotKey(index)),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': OWNER },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    ).catch(() => undefined);
  }

  /**
   * Claims `slot` if it is still as it was read (free, or held by the same stale claim), or if this
   * very claim got there already: a retried attempt whose first answer was lost. Its own claim is
   * told by owner and time together, so a certificate that drew a taken id never claims the slot of
   * the certificate holding that id.
   */
  private async tryClaim(slot: Slot, owner: string): Promise<boolean> {
    // The slot and then the certificate are two writes: claim none without time for both.
    if (remainingMs() < 2 * WRITE_ATTEMPT_MS) throw new DeadlineExceededError('no time left to claim a slot and store a certificate');
    const claimedAt = this.now();
    const mine = '(#owner = :me AND #claimedAt = :now)';
    const unchanged: Condition =
      slot.owner === undefined
        ? {
            ConditionExpression: `attribute_not_exists(#owner) OR ${mine}`,
            ExpressionAttributeNames: { '#owner': OWNER, '#claimedAt': CLAIMED_AT },
            ExpressionAttributeValues: { ':me': owner, ':now': claimedAt },
          }
        : {
            ConditionExpression: `(#owner = :owner AND #claimedAt = :claimedAt) OR ${mine}`,
            ExpressionAttributeNames: { '#owner': OWNER, '#claimedAt': CLAIMED_AT },
            ExpressionAttributeValues: { ':owner': slot.owner, ':claimedAt': slot.claimedAt, ':me': owner, ':now': claimedAt },
          };
    return applied(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(this.namespace, slotKey(slot.index)), [OWNER]: owner, [CLAIMED_AT]: claimedAt },
          ...unchanged,
        }),
      ),
    );
  }

  private async read(): Promise<Slot[]> {
    const keys = Array.from({ length: this.quota }, (_, i) => slotKey(i));
    const items = await this.batchGet(keys);
    return keys.map((key, index) => {
      const item = items.get(key);
      return item === undefined ? { index } : { index, owner: item[OWNER] as string, claimedAt: item[CLAIMED_AT] as number };
    });
  }

  /** Claimed slots old enough that their claim cannot be in flight, whose owner does not hold them. */
  private async stale(slots: readonly Slot[]): Promise<Slot[]> {
    const old = slots.filter((s) => s.owner !== undefined && (s.claimedAt ?? 0) < this.now() - STALE_SLOT_MS);
    if (old.length === 0) return [];
    const owners = await this.batchGet(old.map((s) => s.owner!));
    return old.filter((s) => owners.get(s.owner!)?.[SLOT] !== s.index);
  }

  /** Consistent reads of the namespace's items under `sortKeys`, by sort key, in as few calls as DynamoDB allows. */
  private async batchGet(sortKeys: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let i = 0; i < sortKeys.length; i += BATCH_GET_MAX) {
      let pending: Item[] | undefined = sortKeys.slice(i, i + BATCH_GET_MAX).map((key) => keyOf(this.namespace, key));
      for (let retry = 0; pending !== undefined && pending.length > 0; retry++) {
        if (retry > 0) await sleep(unprocessedPause(retry));
        const { Responses, UnprocessedKeys }: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> } =
          await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of Responses?.[this.tableName] ?? []) found.set(item[SORT_KEY] as string, item);
        pending = UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}

const shuffled = <T>(items: readonly T[]): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
};
