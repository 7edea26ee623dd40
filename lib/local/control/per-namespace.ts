import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, badRequest } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { jsonResponse } from '../../../lambda/http/responses.js';
import { noSuchRoute } from '../base/refusals.js';

/** What a control request acts on: one namespace, or every one. */
export type Scope = { readonly namespace: Namespace } | 'all';

/**
 * Namespaces one account may give a setting of one kind (a clock, a seed), in all its regions, and
 * the service in all: region names are many, so a flood of them must end somewhere. Past either, 429
 * LimitExceededException, as for fault rules.
 */
export const MAX_SET_PER_ACCOUNT = 100;
export const MAX_SET = 10_000;

/** A setting per namespace (`<account>#<region>`), bounded by account and in all. */
export class PerNamespace<T> {
  private readonly values = new Map<string, T>();
  private readonly perAccount = new Map<string, number>();

  constructor(private readonly what: string) {}

  get(key: string): T | undefined {
    return this.values.get(key);
  }

  /** Sets `key`'s value; throws a 429 LimitExceededException when a new one would pass the bounds above. */
  set(key: string, value: T): void {
    if (!this.values.has(key)) {
      const account = accountOf(key);
      if (this.values.size >= MAX_SET) throw new ApiError('LimitExceededException', `The service holds ${MAX_SET} ${this.what}s, its most`);
      if ((this.perAccount.get(account) ?? 0) >= MAX_SET_PER_ACCOUNT)
        throw new ApiError('LimitExceededException', `Account ${account} holds ${MAX_SET_PER_ACCOUNT} ${this.what}s, its most`);
      this.perAccount.set(account, (this.perAccount.get(account) ?? 0) + 1);
    }
    this.values.set(key, value);
  }

  /** Removes `key`'s value, or every one; returns how many went. */
  delete(key: string | 'all'): number {
    if (key === 'all') {
      const removed = this.values.size;
      this.values.clear();
      this.perAccount.clear();
      return removed;
    }
    if (!this.values.delete(key)) return 0;
    const account = accountOf(key);
    const left = this.perAccount.get(account)! - 1;
    if (left === 0) this.perAccount.delete(account);
    else this.perAccount.set(account, left);
    return 1;
  }

  /** Every namespace with a value, in key order. */
  entries(): [string, T][] {
    return [...this.values].sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

const accountOf = (key: string): string => key.split('#')[0]!;

/** A control route of one setting per namespace (a clock, a seed): how each method acts on it. */
export interface SettingRoute {
  /** What it is, for the refusal of a PUT with `?all`: "A clock". */
  readonly what: string;
  /** GET of one namespace, and of every one (`?all`). */
  read(namespace: Namespace): unknown;
  readAll(): unknown;
  /** PUT: the body checked and set; one namespace at a time. */
  set(namespace: Namespace, body: unknown): unknown;
  /** DELETE of one namespace's, or every one's (`undefined`): the answer. */
  remove(namespace: Namespace | undefined): unknown;
}

/** GET reads (`?all`: every one), PUT sets (one namespace at a time), DELETE removes (`?all`: every one). */
export const answerSetting = (
  route: SettingRoute,
  method: string,
  scope: () => Scope,
  body: () => unknown,
): APIGatewayProxyStructuredResultV2 => {
  if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE') throw noSuchRoute();
  const on = scope();
  if (method === 'GET') return jsonResponse(200, on === 'all' ? route.readAll() : route.read(on.namespace));
  if (method === 'DELETE') return jsonResponse(200, route.remove(on === 'all' ? undefined : on.namespace));
  if (on === 'all') throw badRequest(`${route.what} is set one namespace at a time: name none, or 'account' and 'region'`);
  return jsonResponse(200, route.set(on.namespace, body()));
};
