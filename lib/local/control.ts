import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, badRequest, serviceUnavailable } from '../../lambda/domain/errors.js';
import type { Namespace } from '../../lambda/domain/namespace.js';
import { errorResponse, jsonResponse } from '../../lambda/http/responses.js';
import { DEFAULT_QUOTA } from '../../lambda/store/table.js';
import type { Caller } from './caller.js';
import type { FaultRule, FaultTarget, ListedFaultRule } from './faults.js';
import { FaultRuleError, FaultRules, parseFaultRule } from './faults.js';
import { noSuchRoute } from './refusals.js';
import type { StateDocument } from './state.js';
import { NAMESPACE_KEY, parseStateDocument, StateDocumentError, StoreState } from './state.js';

/** Every control path starts so; no AWS route does. */
export const CONTROL_PREFIX = '/_local/';

/** What an invocation came to when a fault rule said the answer is lost: the connection is dropped. */
export const ANSWER_LOST = Symbol('answer lost');

type Result = APIGatewayProxyStructuredResultV2;

/** A request to a control path, as the stand-in hands it over once it has checked its signature. */
export interface ControlRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  /** Whose request it is: its namespace, and the access key it is signed with. */
  readonly caller: Caller;
}

/** The control plane as the programmatic API offers it: what the `/_local/` paths do, without HTTP. */
export interface LocalControl {
  /** Removes every certificate, tag and quota slot, or one namespace's; returns how many items went. */
  reset(namespace?: Namespace): Promise<number>;
  exportState(): Promise<StateDocument>;
  /** Replaces the whole state; a bad document throws a StateDocumentError and changes nothing. */
  importState(document: unknown): Promise<void>;
  /** Adds a fault rule and returns its id; a bad rule throws a FaultRuleError and adds nothing. */
  addFault(rule: unknown): string;
  faults(): ListedFaultRule[];
  /** Removes one rule, or all without an id; `false` when there is no rule of that id. */
  removeFaults(id?: string): boolean;
}

/** The control plane as the stand-in (./http-api.ts) uses it. */
export interface ControlPlane extends LocalControl {
  /** Answers a request to a control path. */
  answer(request: ControlRequest): Promise<Result>;
  /** Runs one invocation through the gate and the fault rules: a result, or ANSWER_LOST. */
  invoke(target: FaultTarget, run: () => Promise<Result>): Promise<Result | typeof ANSWER_LOST>;
  close(): void;
}

export interface ControlSettings {
  /** The store the handlers use, as they reach it. */
  readonly storeEndpoint: string;
  readonly tableName: string;
  /** Quota slots a namespace has: a state document's slots must lie below. @default DEFAULT_QUOTA */
  readonly quota?: number;
}

/** This package's version: from the nearest package.json above this module, in the sources and as installed (dist/). */
const VERSION = ((): string => {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
})();

/**
 * Reset and state replacement are exclusive, invocations shared: a reset waits for the invocations
 * under way to finish, and holds new ones until it is done, so that each request sees the state
 * from before or from after, never a half-reset one.
 */
export class Gate {
  private active = 0;
  private exclusive: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive !== undefined) await this.exclusive;
    this.active++;
    try {
      return await work();
    } finally {
      if (--this.active === 0) this.drained?.();
    }
  }

  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive !== undefined) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise((done) => (release = done));
    try {
      while (this.active > 0) await new Promise<void>((done) => (this.drained = done));
      return await work();
    } finally {
      this.drained = undefined;
      this.exclusive = undefined;
      release();
    }
  }
}

/** The control plane of a local service whose handlers use the store at `storeEndpoint`. */
export const controlPlane = ({ storeEndpoint, tableName, quota = DEFAULT_QUOTA }: ControlSettings): ControlPlane => {
  const started = Date.now();
  const dynamodb = new DynamoDBClient({
    endpoint: storeEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 10_000 }),
  });
  const state = new StoreState(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), tableName);
  const gate = new Gate();
  const rules = new FaultRules();

  const control: LocalControl = {
    reset: (namespace) => gate.exclusively(() => state.reset(namespace)),
    exportState: () => gate.exclusively(() => state.export()),
    importState: async (value) => {
      const document = parseStateDocument(value, quota);
      await gate.exclusively(() => state.import(document));
    },
    addFault: (rule) => rules.add(parseFaultRule(rule)),
    faults: () => rules.list(),
    removeFaults: (id) => rules.remove(id),
  };

  const health = async (): Promise<Result> => {
    const uptimeSeconds = Math.round((Date.now() - started) / 1000);
    try {
      await dynamodb.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: AbortSignal.timeout(2_000) });
      return jsonResponse(200, { status: 'ok', version: VERSION, uptimeSeconds, store: { status: 'available' } });
    } catch (error) {
      const reason = (error as Error).name;
      return jsonResponse(503, { status: 'unavailable', version: VERSION, uptimeSeconds, store: { status: 'unreachable', reason } });
    }
  };

  /** `?account=&region=` names a namespace, `?all` every one; neither, the caller's own. */
  const resetScope = (query: URLSearchParams, caller: Namespace): Namespace | undefined => {
    if (query.has('all')) return undefined;
    const account = query.get('account');
    const region = query.get('region');
    if (account === null && region === null) return caller;
    const namespace = { account: account ?? caller.account, region: region ?? caller.region };
    if (!NAMESPACE_KEY.test(`${namespace.account}#${namespace.region}`))
      throw badRequest("'account' must be 12 digits and 'region' a region name");
    return namespace;
  };

  const route = async ({ method, path, query, body, caller }: ControlRequest): Promise<Result> => {
    const json = (): unknown => {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('Invalid request body: not JSON');
      }
    };
    const action = `${method} ${path}`;
    if (action === 'GET /_local/health') return health();
    if (action === 'POST /_local/reset') {
      const namespace = resetScope(query, caller);
      const removedItems = await control.reset(namespace);
      return jsonResponse(200, { reset: namespace === undefined ? 'all' : `${namespace.account}#${namespace.region}`, removedItems });
    }
    if (action === 'GET /_local/state') return jsonResponse(200, await control.exportState());
    if (action === 'PUT /_local/state') {
      await control.importState(json());
      return jsonResponse(200, await control.exportState());
    }
    if (action === 'POST /_local/faults') return jsonResponse(201, { id: control.addFault(json()) });
    if (action === 'GET /_local/faults') return jsonResponse(200, { rules: control.faults() });
    if (action === 'DELETE /_local/faults') return jsonResponse(200, { removed: control.removeFaults() });
    const one = /^\/_local\/faults\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && one !== null) {
      if (!control.removeFaults(decodeURIComponent(one[1]!))) throw new ApiError('NotFoundException', `No fault rule ${one[1]}`);
      return jsonResponse(200, { removed: true });
    }
    throw noSuchRoute();
  };

  return {
    ...control,
    answer: async (request) => {
      try {
        return await route(request);
      } catch (error) {
        if (error instanceof StateDocumentError || error instanceof FaultRuleError)
          return withRequestId(errorResponse(badRequest(error.message)));
        if (error instanceof ApiError) return withRequestId(errorResponse(error));
        return withRequestId(errorResponse(serviceUnavailable(error)));
      }
    },
    invoke: async (target, run) => {
      const action = rules.actionFor(target);
      if (action === undefined) return gate.shared(run);
      if ('error' in action) {
        const { type, message = type } = action.error;
        return withRequestId(errorResponse(new ApiError(type, message)));
      }
      if ('answerLost' in action) {
        await gate.shared(run);
        return ANSWER_LOST;
      }
      if (action.when === 'before') await sleep(action.delayMs);
      const result = await gate.shared(run);
      if (action.when === 'after') await sleep(action.delayMs);
      return result;
    },
    close: () => dynamodb.destroy(),
  };
};

const withRequestId = (response: Result & { headers: Record<string, string> }): Result => {
  response.headers['x-amzn-RequestId'] = randomUUID();
  return response;
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
