import type { Namespace } from '../../../lambda/domain/namespace.js';
import { partitionOf } from '../../../lambda/store/item.js';
import { operations } from '../../operations.js';
import { accountOf } from '../base/account.js';
import { isPresignParameter } from '../base/presign.js';

/**
 * The request journal: what each namespace's callers sent and were answered, for a harness to assert
 * on (WireMock's `/__admin/requests`) and the page to show. It keeps what identifies a call, never what
 * could be a secret: no header, no body, no PEM; parameters are picked by name and cut short.
 */

/** One request as the journal keeps it. */
export interface JournalEntry {
  /** When it arrived, ISO 8601. */
  readonly time: string;
  /** `<account>#<region>`. */
  readonly namespace: string;
  readonly method: string;
  readonly path: string;
  /** The API operation its route is, or `null` (no route matched). */
  readonly operation: string | null;
  /** The `x-amzn-RequestId` the client was sent; empty when the connection was dropped unanswered. */
  readonly requestId: string;
  /** The status sent; 0 when the connection was dropped unanswered. */
  readonly status: number;
  readonly errorType: string | null;
  readonly durationMs: number;
  /** `front` when the stand-in refused it before any function ran (no route, origin, signature, size, throttle, malformed). */
  readonly refusedBy: 'front' | null;
  readonly parameters: JournalParameters;
}

/** The parameters that tell one call from another, each cut to a bound. */
export interface JournalParameters {
  clientCertificateId?: string;
  description?: string;
  patchOperations?: { op: string; path: string; value?: string }[];
  tagKeys?: string[];
  limit?: string;
  position?: string;
}

/** What the front end knows of a request when it answers it. */
export interface JournalRequest {
  readonly time: number;
  readonly namespace: string;
  readonly method: string;
  readonly path: string;
  readonly operation?: string | undefined;
  readonly pathParameters?: Readonly<Record<string, string>> | undefined;
  readonly query?: string | undefined;
  readonly body?: Buffer | undefined;
  readonly refused: boolean;
}

/** What was answered, as the access log has it. */
export interface JournalAnswer {
  readonly requestId: string;
  readonly status: number;
  readonly errorType?: string | undefined;
  readonly durationMs: number;
}

/** Which entries a listing, a count or a clearing takes. */
export interface JournalFilter {
  /** A namespace `<account>#<region>`; every one when left out. */
  readonly namespace?: string | undefined;
  readonly operation?: string | undefined;
  /** A status (`404`), or a class of them (`4xx`). */
  readonly status?: number | string | undefined;
  /** ISO 8601 times, inclusive. */
  readonly since?: string | Date | undefined;
  readonly until?: string | Date | undefined;
}

/** A filter that cannot be read; the message names what is wrong. */
export class JournalFilterError extends Error {
  override readonly name = 'JournalFilterError';
}

/** JOURNAL_SIZE's default: requests kept per namespace. */
export const DEFAULT_JOURNAL_SIZE = 1_000;
/** The most JOURNAL_SIZE may be. */
export const MAX_JOURNAL_SIZE = 10_000;
/**
 * Entries kept in all namespaces together: the memory bound. An entry with every value at its cut
 * (below) is about 2.4 KB as JSON and 4.6 KB of heap, so at most about 46 MB in all (measured), whatever
 * the number of namespaces or their callers (a typical one is about 420 bytes as JSON); past it the
 * account holding the most entries (in all its regions) loses its largest namespace's oldest first, so
 * that a busy namespace, or a key signing for many regions, cannot push a quiet one's few entries out.
 */
export const MAX_JOURNAL_ENTRIES = 10_000;

/** Characters kept of a path, an id, a description, a patch value, a tag key. */
const PATH_KEPT = 256;
const VALUE_KEPT = 64;
/** Patch operations and tag keys kept of one request. */
const ITEMS_KEPT = 5;
/** A body past this is not read for parameters: no request the API takes is near it. */
const BODY_READ = 64 * 1024;

const OPERATION_NAMES = new Set(operations.map(({ name }) => name));

interface Ring {
  entries: (JournalEntry & { readonly order: number })[];
  dropped: number;
}

/** Counts by key, with a key holding the most found without a scan. */
class Counts {
  private readonly counts = new Map<string, number>();
  /** The keys holding each count. */
  private readonly byCount = new Map<number, Set<string>>();
  private most = 0;

  get size(): number {
    return this.counts.size;
  }

  add(key: string, delta: number): void {
    const from = this.counts.get(key) ?? 0;
    const to = from + delta;
    const before = this.byCount.get(from);
    before?.delete(key);
    if (before?.size === 0) this.byCount.delete(from);
    if (to > 0) {
      this.counts.set(key, to);
      this.byCount.set(to, (this.byCount.get(to) ?? new Set()).add(key));
    } else this.counts.delete(key);
    this.most = Math.max(this.most, to);
    while (this.most > 0 && !this.byCount.has(this.most)) this.most--;
  }

  /** A key holding the most; `undefined` when none holds any. */
  largest(): string | undefined {
    return this.byCount.get(this.most)?.values().next().value;
  }
}

/** A ring of the last `size` requests of each namespace; `size` 0 keeps nothing. */
export class RequestJournal {
  private readonly rings = new Map<string, Ring>();
  /**
   * Entries held by each account, in all its regions, and by each of its namespaces: past the bound,
   * the account holding the most loses first, so that one key signing for region after region takes
   * no more than one namespace would (as control turns and fault rules are counted by account).
   */
  private readonly accounts = new Counts();
  private readonly namespacesOf = new Map<string, Counts>();
  private total = 0;
  private order = 0;

  constructor(readonly size: number = DEFAULT_JOURNAL_SIZE) {}

  record(request: JournalRequest, answer: JournalAnswer): void {
    if (this.size === 0) return;
    const { namespace } = request;
    const ring = this.rings.get(namespace) ?? { entries: [], dropped: 0 };
    this.rings.set(namespace, ring);
    ring.entries.push({ ...entryOf(request, answer), order: this.order++ });
    this.counted(namespace, 1);
    this.total++;
    if (ring.entries.length > this.size) this.dropOldest(namespace, ring);
    while (this.total > MAX_JOURNAL_ENTRIES) {
      const largest = this.namespacesOf.get(this.accounts.largest()!)!.largest()!;
      this.dropOldest(largest, this.rings.get(largest)!);
    }
  }

  /**
   * The entries `filter` takes, oldest first (only the newest `last` of them when given), and how many
   * of its namespaces' fell out of their rings.
   */
  list(filter: JournalFilter = {}, last = MAX_JOURNAL_ENTRIES): { requests: JournalEntry[]; dropped: number } {
    const matches = matcher(filter);
    const rings = this.ringsOf(filter.namespace);
    const requests = rings
      .flatMap((ring) => ring.entries.filter(matches))
      .sort((a, b) => a.order - b.order)
      .slice(-last)
      .map(({ order: _, ...entry }) => entry);
    return { requests, dropped: rings.reduce((sum, ring) => sum + ring.dropped, 0) };
  }

  count(filter: JournalFilter = {}): number {
    const matches = matcher(filter);
    return this.ringsOf(filter.namespace).reduce((sum, ring) => sum + ring.entries.filter(matches).length, 0);
  }

  /** Forgets the namespace's entries, or every one's; returns how many went. */
  clear(namespace?: string): number {
    let cleared = 0;
    for (const key of namespace === undefined ? [...this.rings.keys()] : [namespace]) {
      const held = this.rings.get(key)?.entries.length ?? 0;
      cleared += held;
      this.rings.delete(key);
      this.counted(key, -held);
    }
    this.total -= cleared;
    return cleared;
  }

  private ringsOf(namespace: string | undefined): Ring[] {
    if (namespace === undefined) return [...this.rings.values()];
    const ring = this.rings.get(namespace);
    return ring === undefined ? [] : [ring];
  }

  private dropOldest(namespace: string, ring: Ring): void {
    ring.entries.shift();
    ring.dropped++;
    this.total--;
    this.counted(namespace, -1);
    if (ring.entries.length === 0) this.rings.delete(namespace);
  }

  /** Counts `delta` more entries held by `namespace` and by its account. */
  private counted(namespace: string, delta: number): void {
    if (delta === 0) return;
    const account = accountOf(namespace);
    const namespaces = this.namespacesOf.get(account) ?? new Counts();
    namespaces.add(namespace, delta);
    if (namespaces.size === 0) this.namespacesOf.delete(account);
    else this.namespacesOf.set(account, namespaces);
    this.accounts.add(account, delta);
  }
}

/**
 * A filter from a request's query: `operation`, `status` (`404`, `4xx`), `since`, `until`, each at
 * most once; `namespace` is the caller's scope, decided by the control plane.
 */
export const filterOf = (query: URLSearchParams, namespace: string | undefined): JournalFilter => {
  const filter: Record<string, string | undefined> = { namespace };
  for (const name of ['operation', 'status', 'since', 'until'] as const) {
    const values = query.getAll(name);
    if (values.length > 1) throw new JournalFilterError(`'${name}' may be given once`);
    filter[name] = values[0];
  }
  return checkedFilter(filter);
};

/** `filter` checked as any caller's, in-process or over HTTP. */
export const checkedFilter = (filter: JournalFilter): JournalFilter => {
  const { operation, status, since, until } = filter;
  if (operation !== undefined && (typeof operation !== 'string' || !OPERATION_NAMES.has(operation)))
    throw new JournalFilterError(`'operation' must be an operation name, such as GetClientCertificate`);
  if (status !== undefined && !/^[1-5](\d\d|xx)$/.test(String(status)))
    throw new JournalFilterError(`'status' must be a status code, such as 404, or a class of them, such as 4xx`);
  for (const [name, value] of [
    ['since', since],
    ['until', until],
  ] as const)
    if (value !== undefined && timeOf(value) === undefined)
      throw new JournalFilterError(`'${name}' must be an ISO 8601 time, such as 2026-12-07T10:00:00Z`);
  return filter;
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch of an ISO 8601 time or a Date; `undefined` when it is neither. */
const timeOf = (value: string | Date): number | undefined => {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && isCalendarTime(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

/** V8 reads 2026-02-31 as March 3rd and T24:00 as the next day: a typo would filter, silently, from elsewhere. */
const isCalendarTime = (text: string): boolean => {
  if (!ISO_TIME.test(text) || text.slice(10, 13) === 'T24') return false;
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
};

const matcher = ({ operation, status, since, until }: JournalFilter) => {
  const statusText = status === undefined ? undefined : String(status);
  const from = since === undefined ? undefined : timeOf(since);
  const to = until === undefined ? undefined : timeOf(until);
  return (entry: JournalEntry): boolean => {
    if (operation !== undefined && entry.operation !== operation) return false;
    if (statusText !== undefined) {
      const sent = String(entry.status);
      if (statusText.endsWith('xx') ? sent[0] !== statusText[0] || sent.length !== 3 : sent !== statusText) return false;
    }
    const at = Date.parse(entry.time);
    return (from === undefined || at >= from) && (to === undefined || at <= to);
  };
};

const entryOf = (request: JournalRequest, answer: JournalAnswer): JournalEntry => ({
  time: new Date(request.time).toISOString(),
  namespace: request.namespace,
  method: cut(request.method, VALUE_KEPT),
  path: cut(request.path, PATH_KEPT),
  operation: request.operation ?? null,
  // An upstream's answer may say anything in these.
  requestId: cut(answer.requestId, VALUE_KEPT),
  status: answer.status,
  errorType: answer.errorType === undefined ? null : cut(answer.errorType, VALUE_KEPT),
  durationMs: answer.durationMs,
  refusedBy: request.refused ? 'front' : null,
  parameters: request.refused ? {} : parametersOf(request),
});

/**
 * The parameters that matter, by name, from where the API reads them: the path's certificate id (or
 * the tags ARN's), the query's limit, position and tag keys, the body's description, patch operations
 * and tag keys (never tag values: they may be anything). Nothing else of a body is kept.
 */
const parametersOf = ({ pathParameters = {}, query = '', body }: JournalRequest): JournalParameters => {
  const parameters: JournalParameters = {};
  const id = pathParameters.clientcertificate_id ?? /clientcertificates\/([^/]+)$/.exec(pathParameters.resource_arn ?? '')?.[1];
  if (id !== undefined) parameters.clientCertificateId = cut(id, VALUE_KEPT);
  const search = new URLSearchParams(query);
  for (const name of ['limit', 'position'] as const) {
    const value = search.get(name);
    if (value !== null) parameters[name] = cut(value, VALUE_KEPT);
  }
  const tagKeys = search.getAll('tagKeys');
  const json = body !== undefined && body.length > 0 && body.length <= BODY_READ ? parsed(body) : undefined;
  if (json !== undefined) {
    if (typeof json.description === 'string') parameters.description = cut(json.description, VALUE_KEPT);
    if (Array.isArray(json.patchOperations))
      parameters.patchOperations = json.patchOperations.slice(0, ITEMS_KEPT).map((operation: unknown) => {
        const { op, path, value } = (typeof operation === 'object' && operation !== null ? operation : {}) as Record<string, unknown>;
        return { op: textOf(op), path: textOf(path), ...(value === undefined ? {} : { value: textOf(value) }) };
      });
    if (typeof json.tags === 'object' && json.tags !== null) tagKeys.push(...Object.keys(json.tags));
  }
  if (tagKeys.length > 0) parameters.tagKeys = tagKeys.slice(0, ITEMS_KEPT).map((key) => cut(key, VALUE_KEPT));
  return parameters;
};

const parsed = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Any JSON value as short text: a string as it is, anything else as JSON (`String()` of `{"toString":1}` throws). */
const textOf = (value: unknown): string => cut(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), VALUE_KEPT);

/** `text` cut to `kept` characters, marked with `...` when cut. */
const cut = (text: string, kept: number): string => (text.length > kept ? `${text.slice(0, kept)}...` : text);

/** The journal's control path. */
export const JOURNAL_PATH = '/_local/requests';

/** What the query of a journal call may name besides the filter: its scope (the control plane's), `count` and `last`. */
const QUERY_NAMES = new Set(['all', 'account', 'region', 'operation', 'status', 'since', 'until', 'count', 'last']);

/**
 * `GET /_local/requests` (the list, or `{"count"}` with `?count`) and `DELETE` (`{"cleared"}`), on
 * `namespace` or every one; `undefined` for any other method.
 */
export const journalAnswer = (
  journal: RequestJournal,
  method: string,
  query: URLSearchParams,
  namespace: string | undefined,
): { status: number; body: unknown } | undefined => {
  // A presigned URL's own parameters are its signature, not part of the call: passed over, as every control path does.
  const names = [...query.keys()].filter((name) => !isPresignParameter(name));
  for (const name of names) if (!QUERY_NAMES.has(name)) throw new JournalFilterError(`Unknown query parameter '${cut(name, VALUE_KEPT)}'`);
  if (method === 'DELETE') {
    if (names.some((name) => !['all', 'account', 'region'].includes(name)))
      throw new JournalFilterError('A DELETE clears every request of its namespace: it takes no filter');
    return { status: 200, body: { cleared: journal.clear(namespace) } };
  }
  if (method !== 'GET') return undefined;
  const count = query.getAll('count');
  if (count.length > 1 || (count.length === 1 && count[0] !== '' && count[0] !== 'true'))
    throw new JournalFilterError("'count' takes no value, or true");
  const filter = filterOf(query, namespace);
  if (count.length === 1) {
    if (query.has('last')) throw new JournalFilterError("'last' picks what a listing shows: a count takes every request");
    return { status: 200, body: { count: journal.count(filter) } };
  }
  return { status: 200, body: journal.list(filter, lastOf(query)) };
};

/**
 * `?last=N`: only the newest N requests of a listing (what the page shows), so that one who wants a few
 * is not sent, nor makes the service write, up to 10 000 each time.
 */
const lastOf = (query: URLSearchParams): number | undefined => {
  const values = query.getAll('last');
  if (values.length === 0) return undefined;
  const last = values.length === 1 && /^[1-9]\d{0,4}$/.test(values[0]!) ? Number(values[0]) : Number.NaN;
  if (!(last <= MAX_JOURNAL_ENTRIES)) throw new JournalFilterError(`'last' must be given once, a number from 1 to ${MAX_JOURNAL_ENTRIES}`);
  return last;
};

/** The journal in-process (`service.control`): each call names its namespace, or takes every one. */
export interface JournalControl {
  /** The requests `filter` takes, oldest first, and how many of its namespaces' fell out of their rings; a bad filter throws a JournalFilterError. */
  requests(filter?: Omit<JournalFilter, 'namespace'> & { readonly namespace?: Namespace }): { requests: JournalEntry[]; dropped: number };
  /** Forgets the requests of `namespace`, or of every one; returns how many went. */
  clearRequests(namespace?: Namespace): number;
}

export const journalControl = (journal: RequestJournal): JournalControl => ({
  requests: ({ namespace, ...filter } = {}) =>
    journal.list(checkedFilter({ ...filter, namespace: namespace === undefined ? undefined : partitionOf(namespace) })),
  clearRequests: (namespace) => journal.clear(namespace === undefined ? undefined : partitionOf(namespace)),
});
