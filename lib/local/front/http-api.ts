import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, internalFailure, notFound, serviceUnavailable, tooManyRequests } from '../../../lambda/domain/errors.js';
import { decodeQuery } from '../../../lambda/http/query.js';
import { MAX_FUNCTION_RESPONSE_BYTES } from '../../../lambda/http/representations.js';
import { errorResponse } from '../../../lambda/http/responses.js';
import { partitionOf } from '../../../lambda/store/item.js';
import type { Operation } from '../../operations.js';
import { routeKey } from '../../operations.js';
import type { Caller } from '../base/account.js';
import { DEFAULT_ACCOUNT_ID } from '../base/account.js';
import { malformedHttpRequest, noSuchRoute, requestEntityTooLarge } from '../base/refusals.js';
import type { RequestJournal } from '../control/journal.js';
import type { ControlPlane } from '../control/plane.js';
import { ANSWER_LOST, CONTROL_PREFIX } from '../control/plane.js';
import type { LambdaHandler } from '../functions/lambda-runtime.js';
import { httpApiEvent, lambdaContext } from '../functions/lambda-runtime.js';
import type { CallerSettings } from './caller.js';
import { callerOf } from './caller.js';
import { headerLines } from './header-lines.js';
import type { OriginCheck } from './origin.js';
import type { RequestSignature, RequestVerifier } from './sigv4.js';
import { isSigned, readSignature } from './sigv4.js';
import type { ThrottleSettings } from './throttle.js';
import { routeThrottle } from './throttle.js';
import type { Forwarded, UpstreamSettings } from './upstream.js';
import { isForeignArn, isOwnPath, namedCertificates, upstreamForwarder } from './upstream.js';

/** The journal's namespace for requests refused before their signature was checked: no caller's (an account is 12 digits). */
const UNVERIFIED_NAMESPACE = 'unverified';

export interface Route {
  readonly operation: Operation;
  /** Invokes the operation's function for a request of `namespace` (`<account>#<region>`). */
  readonly handler: (...args: [...Parameters<LambdaHandler>, namespace: string]) => ReturnType<LambdaHandler>;
}

/** What HTTP API checks itself before a function runs, beyond routing and the payload limit. */
export interface HttpApiSettings {
  /** Verifies each routed request's signature, as IAM authorization does. @default none: signed and unsigned requests alike pass */
  readonly verify?: RequestVerifier;
  /** The stage's default route throttling, for each namespace's routes. @default none: nothing is throttled */
  readonly throttle?: ThrottleSettings;
  /**
   * Request bodies all requests under way may hold at once, half of it those of one account; past
   * either a request is refused 503. @default 64 MiB
   */
  readonly maxBodyBytesInFlight?: number;
  /** Told of every answer as it is sent, as HTTP API's access log is. @default nothing is logged */
  readonly log?: (entry: AccessLogEntry) => void;
  /** How requests' accounts are told apart. @default see CallerSettings */
  readonly callers?: CallerSettings;
  /** The local service's control plane: its `/_local/` paths, and its gate and fault rules around each invocation. @default none */
  readonly control?: ControlPlane;
  /** Refuses requests a web page may have made (./origin.ts), before any other check. @default none: every origin and Host pass */
  readonly checkOrigin?: OriginCheck;
  /**
   * Another emulator every request for a route not served here is forwarded to (./upstream.ts), after
   * the same checks as a routed one. @default none: such requests are 404 NotFoundException
   */
  readonly upstream?: UpstreamSettings;
  /** Told of every API request answered, with its namespace, operation and parameters (../control/journal.ts). @default none */
  readonly journal?: RequestJournal;
}

/** One answer the stand-in gave, in the terms of HTTP API's access log variables. */
export interface AccessLogEntry {
  /** `$context.requestId` */
  readonly apiRequestId: string;
  /** The `x-amzn-RequestId` the client was sent. */
  readonly requestId: string;
  readonly method: string;
  /** The path as requested, without the query. */
  readonly path: string;
  /** `$context.routeKey`, or `-` where no route matched. */
  readonly routeKey: string;
  /** The status actually sent; 0 when the connection was dropped before an answer. */
  readonly status: number;
  readonly errorType?: string;
  /** Why the stand-in answered itself where the function did not (`$context.integrationErrorMessage`). */
  readonly integrationError?: string;
  /** `true` when the answer, or its failure, was the upstream's (UPSTREAM_URL): the request was forwarded. */
  readonly forwarded?: true;
  readonly responseBytes: number;
  /** From the request's arrival to its answer being handed to the socket. */
  readonly durationMs: number;
}

/** What any request's body may hold without drawing on the budget for bodies in flight. */
const SMALL_BODY_BYTES = 64 * 1024;

/** What the stand-in answers when the invocation failed: HTTP API's own text, with no error type. */
const INTEGRATION_FAILURE = { statusCode: 500, body: '{"message":"Internal Server Error"}' } as const;

/** HTTP API's payload limit: larger requests are refused before any function runs. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** HTTP API's limit on the request line and headers together. */
export const MAX_HEADER_BYTES = 10_240;

export { MAX_FUNCTION_RESPONSE_BYTES };

/**
 * A body this long always fits what a function may return: each UTF-16 unit of it takes at most six
 * bytes in the function's JSON response (`\u0001`). Only a longer one is measured.
 */
const SURELY_DELIVERABLE_LENGTH = (MAX_FUNCTION_RESPONSE_BYTES - 64 * 1024) / 6;

interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

/**
 * Plays HTTP API in front of the handlers: refuses what HTTP API refuses (oversized payloads, unknown
 * routes, throttled or unauthenticated requests), builds the payload 2.0 event Lambda would receive,
 * invokes the handler and writes its result back, as HTTP API does.
 */
export const httpApiListener = (
  routes: readonly Route[],
  region: string,
  {
    verify,
    throttle,
    maxBodyBytesInFlight = 64 * 1024 * 1024,
    log,
    callers = {},
    control,
    checkOrigin,
    upstream,
    journal,
  }: HttpApiSettings = {},
) => {
  const compiled = routes.map(compileRoute);
  const forward = upstream === undefined ? undefined : upstreamForwarder(upstream);
  const getCertificate = compiled.find((route) => route.operation.name === 'GetClientCertificate');
  const takeToken = throttle === undefined ? undefined : routeThrottle(throttle);
  let bodyBytesInFlight = 0;
  const bodyBytesByAccount = new Map<string, number>();
  /**
   * The request's signature, read once for the check and the caller's namespace alike; refused when it
   * reads two ways, or when it is missing or its key unknown where signatures are checked.
   */
  const signatureOf = (req: IncomingMessage): RequestSignature | ApiError => {
    const signature = readSignature({ target: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders });
    if (verify === undefined || signature instanceof ApiError) return signature;
    return isSigned(signature) ? (verify.identify?.(signature) ?? signature) : signature.refusal;
  };
  /**
   * The namespace a request refused before its signature was checked is journaled under: the one its
   * credentials claim when nothing is checked. With signatures checked, no caller's: an unverified
   * claim could fill another key's journal, and the unsigned requests' namespace is the default
   * account's, whose key would read what others sent that failed its check (the paths they asked
   * for, certificate ids among them); such a request is seen only by a key reading every namespace (`?all`).
   */
  const claimedNamespace = (req: IncomingMessage): string => {
    if (verify !== undefined) return UNVERIFIED_NAMESPACE;
    const claim = readSignature({ target: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders });
    const unsigned = { account: callers.defaultAccountId ?? DEFAULT_ACCOUNT_ID, region };
    return partitionOf(claim instanceof ApiError ? unsigned : callerOf(claim, region, callers));
  };
  const serve = async (exchange: Exchange): Promise<void> => {
    const { req } = exchange;
    // HTTP/1.1 requires a Host (RFC 9112 section 3.2); HTTP/1.0 may go without.
    if (req.headers.host === undefined && req.httpVersion !== '1.0') return exchange.refuse(malformedHttpRequest(), true);
    const foreign = checkOrigin?.(req.headers, req.rawHeaders);
    if (foreign !== undefined) {
      exchange.fromForeignPage = true;
      return exchange.refuse(foreign, true);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    // Refused before the body is read, and then the connection is closed rather than drained: a
    // declared oversized body, no route, unsigned or signed with an unknown key where signatures are checked, or a body there is
    // no room for now.
    const unread = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (declared > MAX_PAYLOAD_BYTES) return exchange.refuse(requestEntityTooLarge(), true);
    const url = parseTarget(req.url);
    if (url === undefined) return exchange.refuse(malformedHttpRequest(), true);
    const method = req.method ?? 'GET';
    // A control path is served as a route is, by the control plane: signed where signatures are
    // checked, and within the same limits on bodies; it is neither throttled nor faulted.
    const controlled = control !== undefined && url.pathname.startsWith(CONTROL_PREFIX);
    exchange.controlled = controlled;
    const routed = controlled ? undefined : matchRoute(compiled, method, url.pathname);
    const match = forward !== undefined && isForeignArn(routed?.pathParameters.resource_arn) ? undefined : routed;
    // With an upstream, what no route here serves is its, but for the client certificates' and the
    // control plane's own paths, however spelled; and only a target in origin form, which it reads as
    // this service does (`//x/y`, `/\\x/y` and `http://x/y` name a host here and a path there).
    const forwarded =
      !controlled && match === undefined && forward !== undefined && !isOwnPath(url.pathname) && /^\/(?![/\\])/.test(req.url ?? '');
    if (!controlled && match === undefined && !forwarded) return exchange.refuse(noSuchRoute(), unread);
    if (controlled) exchange.routeKey = `${method} ${url.pathname}`;
    else if (match !== undefined) exchange.routeKey = routeKey(match.route.operation);
    if (match !== undefined)
      exchange.journaled = { operation: match.route.operation.name, pathParameters: match.pathParameters, query: url.search.slice(1) };
    const signature = signatureOf(req);
    if (signature instanceof ApiError) return exchange.refuse(signature, unread);
    // Bodies are held until the answer is sent. Past the first SMALL_BODY_BYTES, which every request
    // may have, their bytes come out of one budget for all requests: the declared ones up front, the
    // rest as they arrive. Stalled large bodies then exhaust the budget, not the memory, and small
    // requests are still served.
    // One account holds at most half, so that a caller's stalled uploads leave room for another's. Its
    // account is the one its credentials claim: the signature, which would confirm it, covers the body.
    const account = callerOf(signature, region, callers).account;
    const reserve = (bytes: number, until: 'done' | 'sent' = 'done'): boolean => {
      const held = bodyBytesByAccount.get(account) ?? 0;
      if (bodyBytesInFlight + bytes > maxBodyBytesInFlight || held + bytes > maxBodyBytesInFlight / 2) return false;
      bodyBytesInFlight += bytes;
      bodyBytesByAccount.set(account, held + bytes);
      (until === 'done' ? exchange.onDone : exchange.onSent).call(exchange, () => {
        bodyBytesInFlight -= bytes;
        const left = (bodyBytesByAccount.get(account) ?? 0) - bytes;
        if (left > 0) bodyBytesByAccount.set(account, left);
        else bodyBytesByAccount.delete(account);
      });
      return true;
    };
    const declaredBytes = Number.isSafeInteger(declared) && declared > SMALL_BODY_BYTES ? declared : SMALL_BODY_BYTES;
    if (declaredBytes > SMALL_BODY_BYTES && !reserve(declaredBytes - SMALL_BODY_BYTES)) return exchange.refuse(serviceUnavailable(), true);
    const body = await readBody(req, reserve, declaredBytes);
    if (body === undefined) return exchange.refuse(requestEntityTooLarge(), true);
    if (body === null) return exchange.refuse(serviceUnavailable(), true);
    const denied = await verify?.({ method, target: req.url ?? '/', headers: req.headers, body }, signature);
    if (denied !== undefined) return exchange.refuse(denied);
    const caller = callerOf(signature, region, callers);
    exchange.namespace = partitionOf(caller);
    exchange.body = body;
    // Throttled by its namespace's own bucket, known only now that its signature is checked: a claim
    // not yet checked could spend another caller's tokens.
    if (match !== undefined && takeToken !== undefined && !takeToken(exchange.namespace, exchange.routeKey))
      return exchange.refuse(tooManyRequests());
    if (forwarded) {
      // A stage may name only a certificate of the caller's, looked up as GetClientCertificate does;
      // its refusal (404 for one that does not exist) is the answer, and nothing is forwarded.
      const named = namedCertificates(
        url.pathname,
        url.search,
        { contentEncodings: headerLines(req.rawHeaders, 'content-encoding'), contentTypes: headerLines(req.rawHeaders, 'content-type') },
        body,
      );
      if ('refusal' in named) return exchange.refuse(named.refusal);
      for (const id of named.ids) {
        const found =
          getCertificate === undefined
            ? errorResponse(notFound())
            : await lookUp(getCertificate, id, caller, exchange, callers.defaultAccountId);
        if (found.statusCode !== 200) return exchange.send(found, found.statusCode === 500 ? 'certificate lookup failed' : undefined);
      }
      return exchange.forward(forward!, body);
    }
    if (match === undefined) {
      const query = new URLSearchParams(decodeQuery(url.search.slice(1)) ?? []);
      const answer = await control!.answer({ method, path: url.pathname, query, body, caller, headers: req.headers });
      // A control answer (a state document) is held until it is sent, and so draws on the same budget;
      // only an export, which writes nothing, can be that large: a refusal here undoes no write.
      const answerBytes = Buffer.byteLength(answer.body ?? '');
      if (answerBytes > SMALL_BODY_BYTES && !reserve(answerBytes, 'sent')) return exchange.refuse(serviceUnavailable(), true);
      return exchange.send(answer);
    }
    // The function of the caller's region, in the service's own account, as LocalStack runs one per region.
    const event = httpApiEvent({
      operation: match.route.operation,
      pathParameters: match.pathParameters,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: req.headers,
      body,
      requestId: exchange.apiRequestId,
      caller,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    });
    const context = lambdaContext(match.route.operation, caller.region, undefined, undefined, callers.defaultAccountId);
    const invoke = async () => (await match.route.handler(event, context, partitionOf(caller))) as APIGatewayProxyStructuredResultV2;
    let result: APIGatewayProxyStructuredResultV2 | typeof ANSWER_LOST;
    try {
      result = control === undefined ? await invoke() : await control.invoke(faultTarget(match, caller), invoke);
    } catch (error) {
      // What HTTP API answers when the function failed, timed out or was throttled.
      return exchange.send(INTEGRATION_FAILURE, (error as Error).name === 'Error' ? 'function error' : (error as Error).name);
    }
    if (result === ANSWER_LOST) return exchange.drop('fault rule: answer lost');
    if (!deliverable(result)) return exchange.send(INTEGRATION_FAILURE, 'function response too large');
    exchange.send(result);
  };
  // HTTP/1.1 answers a connection's pipelined requests in order; each is served once the one before it
  // is answered and its answer handed to the socket. A client that sends many and reads no answer then
  // holds one invocation and one answer, not one of each per request it sent.
  const turns = new WeakMap<Duplex, Promise<void>>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const before = turns.get(req.socket);
    const answered = new Promise<void>((resolve) => {
      res.once('finish', resolve).once('close', resolve);
    });
    turns.set(req.socket, answered);
    const exchange = new Exchange(req, res, log, journal && { journal, claimedNamespace });
    if (before !== undefined) {
      await before;
      // The answer before closed the connection (`Connection: close`, a drop): nothing pipelined behind
      // it is served, since no answer could reach the client.
      if (req.socket.destroyed || req.socket.writableEnded) return exchange.drop('connection closed before its turn');
      // The write timeout armed for the answer before is not this request's: it is armed again for its own.
      req.socket.setTimeout(0);
    }
    try {
      await serve(exchange);
    } catch {
      if (req.errored) {
        // The request itself broke off (a bad chunk, a hang-up): no answer can follow. `clientError`
        // has logged what the client was told, if anything.
        if ((req.socket as Duplex & { [ANSWERED]?: boolean })[ANSWERED]) res.destroy();
        else exchange.drop('request broke off');
      } else if (res.headersSent) exchange.drop('stand-in failure');
      // A bug in this stand-in must cost one request, never the process and every request under way.
      else exchange.refuse(internalFailure(), true, 'stand-in failure');
    } finally {
      exchange.done();
    }
  };
};

/** GetClientCertificate of `id` in the caller's namespace, through its function; a failure is HTTP API's own answer. */
const lookUp = async (
  route: Route,
  id: string,
  caller: Caller,
  exchange: Exchange,
  serviceAccount?: string,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const event = httpApiEvent({
    operation: route.operation,
    pathParameters: { clientcertificate_id: id },
    headers: { accept: 'application/json', host: exchange.req.headers.host },
    requestId: exchange.apiRequestId,
    caller,
  });
  try {
    return (await route.handler(
      event,
      lambdaContext(route.operation, caller.region, undefined, undefined, serviceAccount),
      partitionOf(caller),
    )) as APIGatewayProxyStructuredResultV2;
  } catch {
    return INTEGRATION_FAILURE;
  }
};

/** What fault rules select a request by: its operation, certificate and namespace. */
const faultTarget = (match: { route: Route; pathParameters: Record<string, string> }, caller: Caller) => ({
  operation: match.route.operation.name,
  certificateId:
    match.pathParameters.clientcertificate_id ?? /\/clientcertificates\/([^/]+)$/.exec(match.pathParameters.resource_arn ?? '')?.[1],
  namespace: `${caller.account}#${caller.region}`,
});

/** Whether Lambda would accept `result` as a function's response; measured only when it could matter. */
const deliverable = (result: APIGatewayProxyStructuredResultV2): boolean =>
  (result.body?.length ?? 0) <= SURELY_DELIVERABLE_LENGTH || Buffer.byteLength(JSON.stringify(result) ?? '') <= MAX_FUNCTION_RESPONSE_BYTES;

/** How long a client that does not read its answer may hold it before the connection is closed. */
export const WRITE_TIMEOUT_MS = 10_000;

/** How long a client may take to send its request's headers, from the start of its connection. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** How long a client may take to send its whole request: HTTP API's integration timeout. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** How long a keep-alive connection may stay idle between requests. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** One request and its answer: writes the answer once, and logs it as it goes. */
class Exchange {
  readonly apiRequestId = randomBytes(10).toString('base64');
  private readonly started = performance.now();
  routeKey = '-';
  private forwarded = false;
  private readonly cleanups: (() => void)[] = [];
  private readonly arrived = Date.now();
  /** What the journal keeps of a routed request: its operation and where its parameters are. */
  journaled?: { operation: string; pathParameters: Record<string, string>; query: string };
  /** The verified caller's namespace, once known. */
  namespace?: string;
  body?: Buffer;
  private refused = false;
  /** Whether it went to the control plane (its path, once `..` is resolved, is under /_local/). */
  controlled = false;
  /**
   * Whether the web pages check refused it: not journaled, only logged. It speaks for no namespace (any
   * its URL names is the page's pick), and any page open in a browser could flood a journal with them.
   */
  fromForeignPage = false;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly log: ((entry: AccessLogEntry) => void) | undefined,
    private readonly journal?: { journal: RequestJournal; claimedNamespace: (req: IncomingMessage) => string },
  ) {}

  /** Answers a request HTTP API refuses itself, in the API's error shape. */
  refuse(error: ApiError, close = false, integrationError?: string): void {
    const response = errorResponse(error);
    response.headers['x-amzn-RequestId'] = randomUUID();
    this.refused = true;
    if (close) response.headers.connection = 'close';
    this.send(response, integrationError);
  }

  send(result: APIGatewayProxyStructuredResultV2, integrationError?: string): void {
    const { res } = this;
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    const headers: Record<string, string | number | string[]> = {
      'content-type': 'application/json',
      ...result.headers,
      'content-length': body.length,
      'apigw-requestid': this.apiRequestId,
    };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    if (body.length === 0 && !result.headers?.['content-type']) delete headers['content-type'];
    const requestId = String(headers['x-amzn-RequestId'] ?? headers['x-amzn-requestid'] ?? '');
    if (headers.connection === 'close') this.req.resume(); // whatever body is left is not waited for
    // A client that does not read its answer holds the socket and the answer's memory: not for ever.
    res.setTimeout(WRITE_TIMEOUT_MS, () => res.destroy());
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(body);
    this.record(result.statusCode ?? 200, requestId, String(headers['x-amzn-ErrorType'] ?? '') || undefined, body.length, integrationError);
  }

  /** Forwards the request, its body read whole, to the upstream, and passes its answer on as it comes. */
  async forward(forward: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<Forwarded>, body: Buffer): Promise<void> {
    this.forwarded = true;
    const outcome = await forward(this.req, body, this.res);
    if ('failed' in outcome) {
      const { failed, reason } = outcome;
      return this.send({ ...failed, headers: { ...failed.headers, 'x-amzn-RequestId': randomUUID() } }, reason);
    }
    if ('broken' in outcome) return this.drop(outcome.broken);
    this.record(outcome.status, outcome.requestId, outcome.errorType, outcome.responseBytes);
  }

  /** Runs `cleanup` once the exchange is over. */
  onDone(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Runs `cleanup` once the answer has left, or the connection is gone: what the socket still holds until then. */
  onSent(cleanup: () => void): void {
    this.res.once('close', cleanup);
  }

  done(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Drops the connection without an answer. */
  drop(reason: string): void {
    this.res.destroy();
    this.record(0, '', undefined, 0, reason);
  }

  private record(status: number, requestId: string, errorType: string | undefined, responseBytes: number, integrationError?: string): void {
    const entry: AccessLogEntry = {
      apiRequestId: this.apiRequestId,
      requestId,
      method: this.req.method ?? '',
      path: (this.req.url ?? '').split('?')[0] ?? '',
      routeKey: this.routeKey,
      status,
      ...(errorType === undefined ? {} : { errorType }),
      ...(integrationError === undefined ? {} : { integrationError }),
      ...(this.forwarded ? { forwarded: true as const } : {}),
      responseBytes,
      durationMs: Math.round((performance.now() - this.started) * 10) / 10,
    };
    this.log?.(entry);
    // The API's requests, refused or answered; the control plane's own (the page polls it) are not.
    if (this.journal === undefined || this.controlled || this.fromForeignPage || entry.path.startsWith(CONTROL_PREFIX.slice(0, -1))) return;
    const { journal, claimedNamespace } = this.journal;
    journal.record(
      {
        time: this.arrived,
        namespace: this.namespace ?? claimedNamespace(this.req),
        method: entry.method,
        path: entry.path,
        operation: this.journaled?.operation,
        pathParameters: this.journaled?.pathParameters,
        query: this.journaled?.query,
        body: this.body,
        refused: this.refused,
      },
      entry,
    );
  }
}

/**
 * For the server's `clientError` event: a request that is not even HTTP (or whose headers pass the
 * limit) gets the same JSON error shape as every other refusal, then the connection is closed; one
 * too slow to arrive is dropped. Either way it is logged, as every answer is.
 */
export const clientErrorAnswerer =
  (log?: (entry: AccessLogEntry) => void) =>
  (error: Error & { code?: string }, socket: Duplex): void => {
    (socket as Duplex & { [ANSWERED]?: boolean })[ANSWERED] = true;
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable) {
      socket.destroy();
      log?.(connectionLogEntry(error.code ?? 'client error'));
      return;
    }
    const { statusCode, headers, body } = errorResponse(malformedHttpRequest());
    const requestId = randomUUID();
    const head = { ...headers, 'x-amzn-RequestId': requestId, 'content-length': Buffer.byteLength(body ?? ''), connection: 'close' };
    const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}`);
    socket.end(`HTTP/1.1 ${statusCode} Bad Request\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
    log?.({
      ...connectionLogEntry(),
      requestId,
      status: statusCode,
      errorType: headers['x-amzn-ErrorType'],
      responseBytes: Buffer.byteLength(body ?? ''),
    });
  };

/** Marks a socket whose request the `clientError` answer has already logged. */
const ANSWERED = Symbol('answered by clientError');

/** The log entry of a connection dropped, or answered, before any request on it could be read. */
export const connectionLogEntry = (integrationError?: string): AccessLogEntry => ({
  apiRequestId: '',
  requestId: '',
  method: '',
  path: '',
  routeKey: '-',
  status: 0,
  ...(integrationError === undefined ? {} : { integrationError }),
  responseBytes: 0,
  durationMs: 0,
});

/** The request target as a URL, or `undefined` when it is not one (`//[`, say). */
const parseTarget = (target = '/'): URL | undefined => {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
};

const compileRoute = (route: Route): CompiledRoute => {
  const labels: string[] = [];
  const source = route.operation.path.replace(/\{(\w+)(\+?)\}/g, (_, label: string, greedy: string) => {
    labels.push(label);
    return greedy ? '(.+)' : '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), labels };
};

const matchRoute = (routes: readonly CompiledRoute[], method: string, path: string) => {
  for (const route of routes) {
    if (route.operation.method !== method) continue;
    const found = route.pattern.exec(path);
    if (found === null) continue;
    const pathParameters = Object.fromEntries(route.labels.map((label, i) => [label, decodeLabel(found[i + 1]!)]));
    return { route, pathParameters };
  }
  return undefined;
};

const decodeLabel = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // not valid percent-encoding: passed on as sent
  }
};

/**
 * The whole body; `undefined` as soon as it passes the payload limit; `null` when `reserve` refuses
 * room for bytes beyond the `reserved` ones. The stream is not destroyed then (that would take the
 * socket, and the refusal, with it): the rest is read and dropped until the refusal closes the connection.
 */
const readBody = (req: IncomingMessage, reserve: (bytes: number) => boolean, reserved: number): Promise<Buffer | undefined | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: undefined | null): void => {
      req.off('data', onData).resume();
      chunks.length = 0;
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      const before = size;
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        stop(undefined);
        return;
      }
      const beyond = Math.max(0, size - Math.max(before, reserved));
      if (beyond > 0 && !reserve(beyond)) {
        stop(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
