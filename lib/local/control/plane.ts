import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, badRequest, serviceUnavailable } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { errorResponse, jsonResponse } from '../../../lambda/http/responses.js';
import { partitionOf } from '../../../lambda/store/item.js';
import { DEFAULT_QUOTA } from '../../../lambda/store/table.js';
import type { Caller } from '../base/account.js';
import { noSuchRoute, notAuthorizedForNamespace } from '../base/refusals.js';
import { localPage } from '../page/page.js';
import type { LocalDynamoDb } from '../store/dynalite.js';
import type { ClockControl } from './clock.js';
import { answerClock, clockControl, TestClocks } from './clock.js';
import type { FaultRule, FaultTarget, ListedFaultRule } from './faults.js';
import { EVERY_NAMESPACE, FaultRuleError, FaultRules, FaultRulesFull, parseFaultRule } from './faults.js';
import { ControlBusy, fairLimit, Gates } from './gates.js';
import type { IdSequence, IdsControl } from './ids.js';
import { answerIds, IdSequences, idsControl } from './ids.js';
import { pendingUndos, undoDirectoryOf } from './import-undo.js';
import type { JournalControl } from './journal.js';
import { JOURNAL_PATH, JournalFilterError, journalAnswer, journalControl, RequestJournal } from './journal.js';
import type { StoreClient } from './state.js';
import type { StateDocument } from './state-document.js';
import { isNamespaceKey, namespaceOf, parseStateDocument, StateDocumentError } from './state-document.js';

/** Every control path starts so; no AWS route does. */
export const CONTROL_PREFIX = '/_local/';

/** What an invocation came to when a fault rule said the answer is lost: the connection is dropped. */
export const ANSWER_LOST = Symbol('answer lost');

/**
 * The largest state document `GET /_local/state` answers: any one namespace at the default quota (60
 * items of DynamoDB's 400 KB at most), within the budget for bodies in flight. A larger state is
 * exported a namespace at a time; `PUT /_local/state` takes HTTP API's 10 MB.
 */
export const MAX_EXPORT_BYTES = 32 * 1024 * 1024;

type Result = APIGatewayProxyStructuredResultV2;

/** A request to a control path, as the stand-in hands it over once it has checked its signature. */
export interface ControlRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  /** Who sent it: the namespace its credentials give it, and the access key that signed it. */
  readonly caller: Caller;
  /** Its headers: a browser's say so (the page's token, ../page/page.ts). @default none */
  readonly headers?: IncomingHttpHeaders;
}

/**
 * The control plane as the programmatic API offers it: what the `/_local/` paths do, without HTTP.
 * In-process there is no caller: each call names the namespaces it acts on, or acts on every one.
 */
export interface LocalControl extends ClockControl, IdsControl, JournalControl {
  /** Removes every certificate, tag and quota slot of `namespace`, or of every one; returns how many items went. */
  reset(namespace?: Namespace): Promise<number>;
  /** The state of `namespaces`, or of every one. */
  exportState(namespaces?: readonly Namespace[]): Promise<StateDocument>;
  /** Replaces exactly the namespaces the document names; a bad document throws a StateDocumentError and changes nothing. */
  importState(document: unknown): Promise<void>;
  /** Adds a fault rule and returns its id; a bad rule throws a FaultRuleError and adds nothing. Without a namespace, it fires in every one. */
  addFault(rule: unknown): string;
  /** The rules that fire in `namespace` (its own and those of every namespace), or all of them. */
  faults(namespace?: Namespace): ListedFaultRule[];
  /** Removes one rule, or all without an id; `false` when there is no rule of that id. */
  removeFaults(id?: string): boolean;
}

/** The control plane as the stand-in (./http-api.ts) uses it. */
export interface ControlPlane extends LocalControl {
  /** Answers a request to a control path. */
  answer(request: ControlRequest): Promise<Result>;
  /** Runs one invocation through its namespace's gate and the fault rules: a result, or ANSWER_LOST. */
  invoke(target: FaultTarget, run: () => Promise<Result>): Promise<Result | typeof ANSWER_LOST>;
  /**
   * The clock and id sequence an invocation in `namespace` (`<account>#<region>`) runs with, read as
   * it starts; a sequence is started only for one that `drawsIds`.
   */
  conditionsOf(namespace: string, drawsIds: boolean): { readonly now?: number; readonly ids?: IdSequence };
  /** Puts back what imports a killed process left under way had replaced (./import-undo.ts); before anything is served. */
  undoUnfinishedImports(): Promise<void>;
  close(): void;
}

export interface ControlSettings {
  /** The store the handlers use, as they reach it. */
  readonly storeEndpoint: string;
  /** What the store takes requests signed with (../store/dynalite.ts). @default any key will do */
  readonly storeCredentials?: LocalDynamoDb['credentials'];
  readonly tableName: string;
  /** Quota slots a namespace has: a state document's slots must lie below. @default DEFAULT_QUOTA */
  readonly quota?: number;
  /**
   * Whether a caller may act on namespaces other than its own, or on every one. @default every caller
   * may: without signatures nobody is told apart (the service with AUTH=sigv4 allows only the keys
   * marked all-namespaces in CREDENTIALS_FILE)
   */
  readonly mayActBeyondOwn?: (caller: Caller) => boolean;
  /** The seed of every namespace's certificate ids that sets none of its own (./ids.ts). @default none: random ids */
  readonly idSeed?: string | undefined;
  /** The requests the front end journals (./journal.ts), which `/_local/requests` answers from. @default one that keeps none */
  readonly journal?: RequestJournal;
  /** The store's data directory, where an import keeps what it replaces while it writes. @default none: the store is in memory */
  readonly dataDir?: string | undefined;
}

/** This package's version: from the nearest package.json above this module, in the sources and as installed (dist/). */
export const VERSION = ((): string => {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
})();

/** What a control request acts on: one namespace, or every one. */
type Scope = { readonly namespace: Namespace } | 'all';

/**
 * Control work under way at once, and waiting (in all, and of one account): each holds at most one
 * state document (MAX_EXPORT_BYTES), so many readers of a large state cannot multiply it in memory;
 * past these, 429 as a throttled route.
 */
const CONTROL_CONCURRENCY = 2;
const CONTROL_MAX_WAITING = 64;
const CONTROL_MAX_WAITING_PER_ACCOUNT = 8;

/** The control plane of a local service whose handlers use the store at `storeEndpoint`. */
export const controlPlane = ({
  storeEndpoint,
  storeCredentials = { accessKeyId: 'local', secretAccessKey: 'local' },
  tableName,
  quota = DEFAULT_QUOTA,
  mayActBeyondOwn = () => true,
  idSeed,
  journal = new RequestJournal(0),
  dataDir,
}: ControlSettings): ControlPlane => {
  const started = Date.now();
  const undoDirectory = dataDir === undefined ? undefined : undoDirectoryOf(dataDir);
  // Made at the first call that needs the store: the AWS SDK it loads costs some 0.3 s of CPU, which
  // a start that no such call follows (most of them, in a test run) need not pay.
  let client: Promise<StoreClient> | undefined;
  const store = () =>
    (client ??= import('./state.js').then(({ storeClient }) =>
      storeClient(storeEndpoint, tableName, { credentials: storeCredentials, undoDirectory }),
    ));
  const state = async () => (await store()).state;
  const gates = new Gates();
  const rules = new FaultRules();
  const clocks = new TestClocks();
  const sequences = new IdSequences(idSeed);
  const page = localPage();
  const turns = fairLimit(CONTROL_CONCURRENCY, CONTROL_MAX_WAITING_PER_ACCOUNT, CONTROL_MAX_WAITING);
  /**
   * Whose turn a piece of control work takes: its one namespace's account (a key signing for region
   * after region takes no more turns), or every namespace's (`*`).
   */
  const turnOf = (namespaces: readonly Namespace[] | undefined): string =>
    namespaces?.length === 1 ? namespaces[0]!.account : EVERY_NAMESPACE;

  /**
   * Each namespace reset, or exported, under its own gate: the others' requests go on meanwhile.
   * Every namespace is those the store holds and those with requests under way, whose first write
   * may not have landed yet: work on every namespace waits for those too.
   */
  const eachNamespace = async (namespaces: readonly Namespace[] | undefined, work: (namespace: Namespace) => Promise<void>) => {
    const keys =
      namespaces?.map(partitionOf) ?? [...new Set([...(await (await state()).namespaces()).map(partitionOf), ...gates.inUse()])].sort();
    for (const key of keys) await gates.exclusively([key], () => work(namespaceOf(key)));
  };

  const control: LocalControl = {
    reset: (namespace) =>
      turns(turnOf(namespace && [namespace]), async () => {
        let removed = 0;
        await eachNamespace(namespace && [namespace], async (one) => {
          removed += await (await state()).reset(one);
          clocks.restore(partitionOf(one));
          sequences.rewind(partitionOf(one));
        });
        // Also those of namespaces that hold nothing.
        if (namespace === undefined) {
          clocks.restore('all');
          sequences.rewind('all');
        }
        return removed;
      }),
    exportState: (namespaces) =>
      turns(turnOf(namespaces), async () => {
        const parts: StateDocument['namespaces'][] = [];
        let bytes = 0;
        await eachNamespace(namespaces, async (one) => {
          const part = (await (await state()).export([one])).namespaces;
          bytes += Buffer.byteLength(JSON.stringify(part));
          if (bytes > MAX_EXPORT_BYTES)
            throw badRequest(
              namespaces?.length === 1
                ? `The state of ${partitionOf(one)} is over ${MAX_EXPORT_BYTES} bytes, its descriptions are too long to export`
                : `The state is over ${MAX_EXPORT_BYTES} bytes: export one namespace at a time (?account=&region=)`,
            );
          parts.push(part);
        });
        const merged = Object.assign({}, ...parts) as StateDocument['namespaces'];
        return {
          namespaces: Object.fromEntries(
            Object.keys(merged)
              .sort()
              .map((key) => [key, merged[key]!]),
          ),
        };
      }),
    importState: (value) =>
      turns(turnOf(namespacesNamed(value)), async () => {
        const document = parseStateDocument(value, quota);
        await gates.exclusively(Object.keys(document.namespaces), async () => (await state()).import(document));
      }),
    addFault: (rule) => rules.add(parseFaultRule(rule)),
    faults: (namespace) => rules.list(namespace && partitionOf(namespace)),
    removeFaults: (id) => rules.remove(id === undefined ? 'all' : { id }) > 0 || id === undefined,
    ...clockControl(clocks),
    ...idsControl(sequences),
    ...journalControl(journal),
  };

  const health = async (): Promise<Result> => {
    const uptimeSeconds = Math.round((Date.now() - started) / 1000);
    try {
      await (await store()).describeTable(AbortSignal.timeout(2_000));
      return jsonResponse(200, { status: 'ok', version: VERSION, uptimeSeconds, store: { status: 'available' } });
    } catch (error) {
      const reason = (error as Error).name;
      return jsonResponse(503, { status: 'unavailable', version: VERSION, uptimeSeconds, store: { status: 'unreachable', reason } });
    }
  };

  /**
   * `?all` names every namespace, `?account=&region=` one (either defaults to the caller's); neither,
   * the caller's own. Beyond its own only a caller allowed to: acting on others is always explicit.
   */
  const scopeOf = ({ method, path, query, caller }: ControlRequest): Scope => {
    const all = query.get('all');
    if (all !== null && all !== '' && all !== 'true' && all !== 'false') throw badRequest("'all' takes no value, or true or false");
    const account = query.get('account');
    const region = query.get('region');
    const named = account !== null || region !== null;
    if (named && all !== null && all !== 'false') throw badRequest("Name either 'all' or a namespace ('account' and 'region'), not both");
    if (!named) return all === null || all === 'false' ? { namespace: caller } : permitted(caller, `${method} ${path}`, 'all');
    const namespace = { account: account ?? caller.account, region: region ?? caller.region };
    if (!isNamespaceKey(partitionOf(namespace))) throw badRequest("'account' must be 12 digits and 'region' a region name");
    return permitted(caller, `${method} ${path}`, { namespace });
  };

  /** `scope`, when the caller may act on it. */
  const permitted = (caller: Caller, action: string, scope: Scope): Scope => {
    const beyond = scope === 'all' || partitionOf(scope.namespace) !== partitionOf(caller);
    if (beyond && !mayActBeyondOwn(caller))
      throw notAuthorizedForNamespace(
        caller.accessKey ?? '(unsigned)',
        action,
        scope === 'all' ? 'every namespace' : `namespace ${partitionOf(scope.namespace)}`,
      );
    return scope;
  };

  const route = async (request: ControlRequest): Promise<Result> => {
    const { method, path, body, caller } = request;
    const json = (): unknown => {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('Invalid request body: not JSON');
      }
    };
    const action = `${method} ${path}`;
    const own = partitionOf(caller);
    if (action === 'GET /_local/health') return health();
    if (path === '/_local/clock') return answerClock(control, method, () => scopeOf(request), json);
    if (path === '/_local/ids') return answerIds(control, method, () => scopeOf(request), json);
    const pageAnswer = page.answer(method, path, () => {
      const scope = scopeOf(request);
      return scope === 'all' ? 'all' : partitionOf(scope.namespace);
    });
    if (pageAnswer !== undefined) return pageAnswer;
    if (path === JOURNAL_PATH) {
      const scope = scopeOf(request);
      const answer = journalAnswer(journal, method, request.query, scope === 'all' ? undefined : partitionOf(scope.namespace));
      if (answer !== undefined) return jsonResponse(answer.status, answer.body);
    }
    if (action === 'POST /_local/reset') {
      const scope = scopeOf(request);
      const removedItems = await control.reset(scope === 'all' ? undefined : scope.namespace);
      return jsonResponse(200, { reset: scope === 'all' ? 'all' : partitionOf(scope.namespace), removedItems });
    }
    if (action === 'GET /_local/state') {
      const scope = scopeOf(request);
      return jsonResponse(200, await control.exportState(scope === 'all' ? undefined : [scope.namespace]));
    }
    if (action === 'PUT /_local/state') {
      const document = json();
      // Checked in full by the import; the names are read first, so that no foreign namespace is even parsed.
      for (const namespace of namespacesNamed(document)) permitted(caller, action, { namespace });
      await control.importState(document);
      // What was imported, counted: a small answer, which nothing can refuse once the import has landed.
      const { namespaces } = document as StateDocument;
      return jsonResponse(200, {
        imported: Object.fromEntries(
          Object.entries(namespaces).map(([key, { certificates, quotaSlots }]) => [
            key,
            { certificates: certificates.length, quotaSlots: quotaSlots.length },
          ]),
        ),
      });
    }
    if (action === 'POST /_local/faults') {
      const rule = parseFaultRule(json());
      if (rule.namespace !== undefined && rule.namespace !== own)
        permitted(caller, action, rule.namespace === EVERY_NAMESPACE ? 'all' : { namespace: namespaceOf(rule.namespace) });
      return jsonResponse(201, { id: rules.add(rule, own) });
    }
    if (action === 'GET /_local/faults') {
      const scope = scopeOf(request);
      return jsonResponse(200, { rules: rules.list(scope === 'all' ? undefined : partitionOf(scope.namespace)) });
    }
    if (action === 'DELETE /_local/faults') {
      const scope = scopeOf(request);
      return jsonResponse(200, { removed: rules.remove(scope === 'all' ? 'all' : { namespace: partitionOf(scope.namespace) }) });
    }
    const one = /^\/_local\/faults\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && one !== null) {
      const id = decodedLabel(one[1]!);
      const namespace = id === undefined ? undefined : rules.namespaceOf(id);
      // Another namespace's rule is not there for a caller who may not see it.
      if (namespace === undefined || (namespace !== own && !mayActBeyondOwn(caller)))
        throw new ApiError('NotFoundException', `No fault rule ${one[1]}`);
      rules.remove({ id: id! });
      return jsonResponse(200, { removed: true });
    }
    throw noSuchRoute();
  };

  return {
    ...control,
    answer: async (request) => {
      let response: Result & { headers: Record<string, string> };
      try {
        const refusal = page.refusal(request.method, request.headers ?? {});
        if (refusal !== undefined) throw refusal;
        response = (await route(request)) as typeof response;
      } catch (error) {
        if (error instanceof StateDocumentError || error instanceof FaultRuleError || error instanceof JournalFilterError)
          response = errorResponse(badRequest(error.message));
        else if (error instanceof FaultRulesFull) response = errorResponse(new ApiError('LimitExceededException', error.message));
        else if (error instanceof ControlBusy) response = errorResponse(new ApiError('TooManyRequestsException', error.message));
        else if (error instanceof ApiError) response = errorResponse(error);
        else response = errorResponse(serviceUnavailable(error));
      }
      return withRequestId(response);
    },
    invoke: async (target, run) => {
      const action = rules.actionFor(target);
      const gated = () => gates.shared(target.namespace, run);
      if (action === undefined) return gated();
      if ('error' in action) {
        const { type, message = type } = action.error;
        return withRequestId(errorResponse(new ApiError(type, message)));
      }
      if ('answerLost' in action) {
        await gated();
        return ANSWER_LOST;
      }
      if (action.when === 'before') await sleep(action.delayMs);
      const result = await gated();
      if (action.when === 'after') await sleep(action.delayMs);
      return result;
    },
    conditionsOf: (namespace, drawsIds) => {
      const now = clocks.get(namespace);
      const ids = drawsIds ? sequences.sequence(namespace) : undefined;
      return { ...(now === undefined ? {} : { now }), ...(ids === undefined ? {} : { ids }) };
    },
    undoUnfinishedImports: async () => {
      // Looked for first: a start that finds none need not load the store's client.
      if (undoDirectory !== undefined && pendingUndos(undoDirectory).length > 0) await (await state()).undoUnfinishedImports();
    },
    close: () => void client?.then((made) => made.close()),
  };
};

const withRequestId = (response: Result & { headers: Record<string, string> }): Result => {
  response.headers['x-amzn-RequestId'] = randomUUID();
  return response;
};

/** A path label decoded once, `undefined` when its percent-encoding is not valid (`%`). */
const decodedLabel = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
};

/** The namespaces a state document from outside names by valid keys (any JSON value: none). */
const namespacesNamed = (document: unknown): Namespace[] => {
  const namespaces = (document as { namespaces?: unknown } | null)?.namespaces;
  return typeof namespaces === 'object' && namespaces !== null ? Object.keys(namespaces).filter(isNamespaceKey).map(namespaceOf) : [];
};

/** A checked fault rule list from a FAULTS_FILE's text: a JSON list of rules. */
export const parseFaultsFile = (text: string): FaultRule[] => {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new FaultRuleError('must be a JSON list of fault rules');
  return value.map((rule, i) => {
    try {
      return parseFaultRule(rule);
    } catch (error) {
      throw new FaultRuleError(`rule ${i}: ${(error as Error).message}`);
    }
  });
};
