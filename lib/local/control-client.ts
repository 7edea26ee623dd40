import { SignatureV4 } from '@smithy/signature-v4';
import type { ClockReading } from './control/clock.js';
import type { ListedFaultRule } from './control/faults.js';
import type { IdsReading } from './control/ids.js';
import type { JournalEntry } from './control/journal.js';
import type { StateDocument } from './control/state-document.js';
import { NodeSha256 } from './front/sigv4.js';

export interface ControlClientSettings {
  /** The service's URL, as for `--endpoint-url`. */
  readonly endpoint: string;
  /** The key pair whose namespace the calls act on: the same the worker's AWS SDK client signs with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** The region of the namespace. @default 'us-east-1' */
  readonly region?: string;
}

/** What a `/_local/` call was refused with: the status, the error type and message the service sent. */
export class ControlCallError extends Error {
  override readonly name = 'ControlCallError';
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The control plane from another process (a test worker), signed as the AWS SDK signs, so each call
 * acts on the namespace of the key it is made with, whether or not the service checks signatures.
 */
export const controlClient = ({ endpoint, credentials, region = 'us-east-1' }: ControlClientSettings) => {
  const signer = new SignatureV4({ credentials, region, service: 'apigateway', sha256: NodeSha256 });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = new URL(`/_local/${path}`, endpoint);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const { headers } = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
      body: text,
    });
    const response = await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
    const answer = (await response.json()) as T & { message?: string };
    if (!response.ok)
      throw new ControlCallError(response.status, response.headers.get('x-amzn-ErrorType') ?? undefined, String(answer.message));
    return answer;
  };
  return {
    /** Empties the namespace; returns its name (`<account>#<region>`, the key a state document files it under) and how many items went. */
    reset: async (): Promise<{ namespace: string; removedItems: number }> => {
      const { reset, removedItems } = await call<{ reset: string; removedItems: number }>('POST', 'reset');
      return { namespace: reset, removedItems };
    },
    /** The namespace's state, as `PUT /_local/state` takes it back. */
    state: (): Promise<StateDocument> => call('GET', 'state'),
    /**
     * Replaces the namespaces the document names (with AUTH=sigv4, the key's own only, unless marked
     * all-namespaces); returns how many certificates and quota slots each now holds.
     */
    seed: async (document: StateDocument): Promise<Record<string, { certificates: number; quotaSlots: number }>> =>
      (await call<{ imported: Record<string, { certificates: number; quotaSlots: number }> }>('PUT', 'state', document)).imported,
    /** Adds a fault rule, in this namespace unless it names another; returns its id. */
    addFault: async (rule: object): Promise<string> => (await call<{ id: string }>('POST', 'faults', rule)).id,
    /** The rules that fire in this namespace, with their counts. */
    faults: async (): Promise<ListedFaultRule[]> => (await call<{ rules: ListedFaultRule[] }>('GET', 'faults')).rules,
    /**
     * This namespace's recent requests that `filter` takes, oldest first (only the newest `last` of them
     * when given), and how many fell out of the journal.
     */
    requests: ({
      last,
      ...filter
    }: RequestsFilter & { readonly last?: number } = {}): Promise<{ requests: JournalEntry[]; dropped: number }> =>
      call('GET', `requests${queryOf(filter, false, last)}`),
    /** How many of this namespace's recent requests `filter` takes: WireMock's `verify`. */
    countRequests: async (filter: RequestsFilter = {}): Promise<number> =>
      (await call<{ count: number }>('GET', `requests${queryOf(filter, true)}`)).count,
    /** Forgets this namespace's requests; returns how many went. */
    clearRequests: async (): Promise<number> => (await call<{ cleared: number }>('DELETE', 'requests')).cleared,
    /** Removes one rule, or all of this namespace's. */
    removeFaults: async (id?: string): Promise<void> => {
      await call('DELETE', id === undefined ? 'faults' : `faults/${encodeURIComponent(id)}`);
    },
    /** What this namespace's clock reads. */
    clock: (): Promise<ClockReading> => call('GET', 'clock'),
    /** Sets this namespace's clock (`{time: '2030-01-01T00:00:00Z'}`), frozen there, or moves it on (`{advanceSeconds: 86400}`). */
    setClock: (change: { time: string } | { advanceSeconds: number }): Promise<ClockReading> => call('PUT', 'clock', change),
    /** Gives this namespace the real clock again. */
    restoreClock: async (): Promise<void> => {
      await call('DELETE', 'clock');
    },
    /** This namespace's id sequence: its seed, the ids drawn and the next. */
    ids: (): Promise<IdsReading> => call('GET', 'ids'),
    /** Seeds this namespace's certificate ids, from the first of the seed's sequence. */
    setIdSeed: (seed: string): Promise<IdsReading> => call('PUT', 'ids', { seed }),
    /** Takes this namespace's own seed away: random ids again, or the ID_SEED setting's. */
    removeIdSeed: async (): Promise<void> => {
      await call('DELETE', 'ids');
    },
  };
};

export type ControlClient = ReturnType<typeof controlClient>;

/** Which requests: by operation name, status (`404`, or a class, `'4xx'`) and arrival time. */
export interface RequestsFilter {
  readonly operation?: string;
  readonly status?: number | string;
  readonly since?: Date | string;
  readonly until?: Date | string;
}

const queryOf = ({ operation, status, since, until }: RequestsFilter, count = false, last?: number): string => {
  const query = new URLSearchParams();
  if (operation !== undefined) query.set('operation', operation);
  if (status !== undefined) query.set('status', String(status));
  for (const [name, time] of [
    ['since', since],
    ['until', until],
  ] as const)
    if (time !== undefined) query.set(name, time instanceof Date ? time.toISOString() : time);
  if (count) query.set('count', 'true');
  if (last !== undefined) query.set('last', String(last));
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
};
