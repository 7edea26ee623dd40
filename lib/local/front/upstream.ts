import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiError } from '../../../lambda/domain/errors.js';
import { malformedBody, notFound } from '../../../lambda/domain/errors.js';

/** Another emulator that answers every route this service does not serve (UPSTREAM_URL). */
export interface UpstreamSettings {
  /** `http(s)://host[:port][/prefix]`: a request's path and query are appended to it. */
  readonly url: string;
  /**
   * How long the upstream may stay silent, before its answer's head and between its pieces.
   * @default 30 s, HTTP API's integration timeout, as for our own routes
   */
  readonly timeoutMs?: number;
  /** Connections to the upstream at once; more requests wait for one. @default 64 */
  readonly maxSockets?: number;
}

/** HTTP API's integration timeout, the one our own functions run under. */
export const UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * Headers of one connection, not of the message (RFC 9110 section 7.6.1, and RFC 2616's list): never
 * passed on, in either direction. `host` is kept as the client sent it, since its signature covers it
 * (a signing upstream then verifies it as signed); `content-length` is set to the body sent
 * (it was read whole); `expect` asked this service, which has read the body already.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const REPLACED = new Set(['content-length', 'expect']);

/**
 * What API Gateway answers when its integration cannot be reached or does not answer in time: its
 * gateway responses INTEGRATION_FAILURE and INTEGRATION_TIMEOUT, both 504 by default; the texts are
 * the recorded `{"message": "Endpoint request timed out"}` and LocalStack's for a network failure,
 * with the type LocalStack sends for both. Written here, not with the API's errors: no operation of
 * the API sends them (lambda/http/responses.ts maps those).
 */
const INTEGRATION_ERROR_TYPE = 'InternalServerErrorException';
export const UPSTREAM_TIMED_OUT = 'Endpoint request timed out';
export const UPSTREAM_UNREACHABLE = 'Network error communicating with endpoint';

const integrationError = (message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 504,
  headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': INTEGRATION_ERROR_TYPE },
  body: JSON.stringify({ message }),
});

/** How a forwarded request ended. */
export type Forwarded =
  /** The upstream's answer was passed on whole: its status, the body's bytes, and for the log its request id and error type. */
  | { readonly status: number; readonly responseBytes: number; readonly requestId: string; readonly errorType?: string }
  /** No answer came from the upstream: this is the one to send, with why, for the log. */
  | { readonly failed: APIGatewayProxyStructuredResultV2; readonly reason: string }
  /** The answer broke off after its head was sent (the upstream or the client went away): the connection is dropped. */
  | { readonly broken: string };

/**
 * Passes requests to the upstream unchanged (method, target, headers, signature included, and body),
 * but for the connection's own headers, and its answers back as they come: status, headers and a
 * streamed body. The body was read whole before, within the payload limit, so a request refused
 * for its size never reaches the upstream.
 */
export const upstreamForwarder = ({ url, timeoutMs = UPSTREAM_TIMEOUT_MS, maxSockets = 64 }: UpstreamSettings) => {
  const base = new URL(url);
  // Loaded by a service that forwards, the one module its upstream needs, and not by `import`: the ES
  // module view of node:http loads undici, which nothing here uses (../service.ts).
  const { Agent, request: send } = process.getBuiltinModule(base.protocol === 'https:' ? 'node:https' : 'node:http');
  const agent = new Agent({ keepAlive: true, maxSockets });
  const prefix = base.pathname.replace(/\/$/, '');

  return (req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Forwarded> =>
    new Promise<Forwarded>((resolve) => {
      let outgoing: ClientRequest;
      let answered = false;
      // Silence before the answer's head is a timeout the client can still be told of.
      const timer = setTimeout(() => {
        outgoing.destroy();
        resolve({ failed: integrationError(UPSTREAM_TIMED_OUT), reason: 'upstream timed out' });
      }, timeoutMs);
      const attempt = (first: boolean) => {
        outgoing = send({
          protocol: base.protocol,
          hostname: base.hostname.replace(/^\[|\]$/g, ''),
          port: base.port,
          method: req.method,
          path: `${prefix}${req.url ?? '/'}`,
          agent,
          headers: requestHeaders(req, body, base.host),
        });
        // Once the answer has begun, its breaking off is the pipeline's to report.
        outgoing.on('error', (error: NodeJS.ErrnoException) => {
          if (answered) return;
          // A kept-alive connection the upstream closed just as this request went out on it (Node's
          // documented case, `request.reusedSocket`): it was not the upstream's answer, so once more on a new one.
          if (first && outgoing.reusedSocket && error.code === 'ECONNRESET') return attempt(false);
          clearTimeout(timer);
          resolve({ failed: integrationError(UPSTREAM_UNREACHABLE), reason: 'upstream unreachable' });
        });
        outgoing.once('response', (answer) => passOn(answer));
        // A switch of protocols (101) is no answer to an API call: without this, Node holds the socket until the timeout.
        outgoing.once('upgrade', (_answer, socket: Duplex) => {
          socket.destroy();
          clearTimeout(timer);
          resolve({ failed: integrationError(UPSTREAM_UNREACHABLE), reason: 'upstream switched protocols' });
        });
        outgoing.end(body);
      };
      const passOn = (answer: IncomingMessage) => {
        answered = true;
        clearTimeout(timer);
        // Past the head, silence, or an answer still coming after the timeout (HTTP API's bound on the
        // whole integration), can only end the connection: the status is already the upstream's.
        outgoing.setTimeout(timeoutMs, () => outgoing.destroy());
        const whole = setTimeout(() => outgoing.destroy(), timeoutMs);
        res.once('close', () => clearTimeout(whole));
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.rawHeaders) as unknown as OutgoingHttpHeaders);
        let responseBytes = 0;
        answer.on('data', (chunk: Buffer) => (responseBytes += chunk.length));
        pipeline(answer, res).then(
          () =>
            resolve({
              status: answer.statusCode ?? 502,
              responseBytes,
              requestId: String(answer.headers['x-amzn-requestid'] ?? ''),
              ...(typeof answer.headers['x-amzn-errortype'] === 'string' ? { errorType: answer.headers['x-amzn-errortype'] } : {}),
            }),
          (error: Error) => resolve({ broken: `upstream answer broke off (${(error as NodeJS.ErrnoException).code ?? error.message})` }),
        );
      };
      attempt(true);
    });
};

/**
 * The request's own headers as sent (names, order, repeats, `Host` among them), without the
 * connection's. An HTTP/1.0 request may have no `Host`; HTTP/1.1, which this sends, must: the
 * upstream's own then, as Node would add.
 */
const requestHeaders = (req: IncomingMessage, body: Buffer, upstreamHost: string): string[] => {
  const headers = endToEnd(req.rawHeaders);
  if (req.headers.host === undefined) headers.push('Host', upstreamHost);
  if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
    headers.push('Content-Length', String(body.length));
  return headers;
};

/** The answer's headers as the upstream sent them, without the connection's; Node frames the body itself. */
const answerHeaders = (rawHeaders: readonly string[]): string[] => {
  const kept = endToEnd(rawHeaders);
  const length = rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'content-length');
  if (length >= 0) kept.push(rawHeaders[length]!, rawHeaders[length + 1]!);
  return kept;
};

/** `rawHeaders` without the hop-by-hop ones, those `Connection` names among them. */
const endToEnd = (rawHeaders: readonly string[]): string[] => {
  const named = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === 'connection')
      for (const token of rawHeaders[i + 1]!.split(',')) named.add(token.trim().toLowerCase());
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !REPLACED.has(name) && !named.has(name)) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
};

/**
 * A path or name as the most lenient upstream could read it: percent-decoding undone (a few times over,
 * so `%2573` too), `\` as `/`, repeated slashes merged, dot segments resolved, lower case. The checks
 * below read requests this way, so that no spelling an upstream might accept (`/%63lientcertificates`,
 * `/restapis/a//Stages`, `/restapis/a%2Fstages`) slips past them.
 */
export const lenientPath = (path: string): string => {
  let read = path;
  for (let round = 0; round < 4; round++) {
    const decoded = read.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (decoded === read) break;
    read = decoded;
  }
  const segments: string[] = [];
  for (const segment of read.replace(/\\/g, '/').toLowerCase().split('/'))
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  return `/${segments.join('/')}`;
};

/**
 * Paths that stay this service's whatever the method, with an upstream or without, however spelled:
 * the client certificates' and the control plane's.
 */
export const isOwnPath = (path: string): boolean => /^\/(clientcertificates|_local)(\/|$)/.test(lenientPath(path));

/**
 * Whether a tag operation's ARN names something other than a client certificate: with an upstream,
 * the tags of its resources (a REST API's, a stage's) are its own to answer.
 */
export const isForeignArn = (arn: string | undefined): boolean => arn !== undefined && !/\/clientcertificates(\/|$)/.test(lenientPath(arn));

/** A stage has one client certificate: a request naming more (distinct) is not a stage's, and each costs a lookup. */
const MAX_NAMED_CERTIFICATES = 10;

/** Wire text of the refusal of a stage request whose body this service cannot read to check it. */
const UNREADABLE_STAGE_BODY =
  'a stage request is checked for the client certificate it names, so its body must be a JSON object, sent as JSON, not encoded, nested at most 32 deep';

/**
 * A stage body's content type, when it has one (one line), must say JSON: an upstream reading form data would
 * find `clientCertificateId=` inside a JSON string this check reads as text (`"&clientCertificateId=x&"`).
 */
const JSON_MEDIA_TYPE = /^\s*application\/([\w.-]+\+)?(json|x-amz-json-1\.[01])\s*(;|$)/i;

const mentionsCertificate = (name: string): boolean =>
  lenientPath(name.replace(/~1/g, '/').replace(/~0/g, '~')).includes('clientcertificateid');

/** What a forwarded request names as its client certificate: ids to find in the caller's namespace, or why it is refused. */
export type NamedCertificates = { readonly ids: readonly string[] } | { readonly refusal: ApiError };

/**
 * The client certificates a forwarded request names, each of which must exist in the caller's
 * namespace before it is forwarded (CreateStage's `clientCertificateId`, UpdateStage's patch of
 * `/clientCertificateId`). Read as leniently as any upstream might: a query parameter or a JSON
 * member at any depth whose name is `clientCertificateId` in any case or encoding, and every patch
 * operation whose path names it, whatever its op's case. An empty or null value detaches one; a
 * value that is not a string, or a copy or move into it, cannot be shown to be the caller's, so is
 * refused as not found. A stage request whose body is not a plain JSON object sent as JSON (encoded,
 * form data, Python's `NaN`, nested past any stage's shape) is refused: an upstream could read a certificate in it that
 * this check could not.
 */
export const namedCertificates = (
  path: string,
  search: string,
  { contentEncodings, contentTypes }: { readonly contentEncodings: readonly string[]; readonly contentTypes: readonly string[] },
  body: Buffer,
): NamedCertificates => {
  const named: unknown[] = [];
  for (const [name, value] of new URLSearchParams(search)) if (mentionsCertificate(name)) named.push(value);
  // Only a stage's body is read: JSON is parsed on the thread every request shares, and no other is checked.
  if (body.length > 0 && /^\/restapis\/.+\/stages(\/|$)/.test(lenientPath(path))) {
    const plain = contentEncodings.every((encoding) => encoding.trim().toLowerCase() === 'identity');
    // Two Content-Type lines are read as the first here and perhaps as the last upstream.
    const json = contentTypes.length === 0 || (contentTypes.length === 1 && JSON_MEDIA_TYPE.test(contentTypes[0]!));
    const parsed = plain && json && !nestsDeeperThan(body, MAX_STAGE_BODY_NESTING) ? parseJson(body) : UNREADABLE;
    // Every stage request's body is an object; anything else is text some upstream may read otherwise.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { refusal: malformedBody(UNREADABLE_STAGE_BODY) };
    named.push(...namedIn(parsed));
  }
  const ids = new Set<string>();
  for (const value of named) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value !== 'string') return { refusal: notFound() };
    ids.add(value);
  }
  return ids.size > MAX_NAMED_CERTIFICATES ? { refusal: notFound() } : { ids: [...ids] };
};

/**
 * A stage's body nests three deep (`patchOperations`, an operation, `variables`); V8 takes seconds
 * to parse a body nested a million deep, and would hold every other request meanwhile.
 */
const MAX_STAGE_BODY_NESTING = 32;

/**
 * Whether a JSON text's arrays and objects nest deeper than `limit`, strings skipped: read before it is
 * parsed, and only up to the first byte past the limit, so a body nested a million deep costs no more
 * to refuse than one refused at its first byte.
 */
const nestsDeeperThan = (body: Buffer, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return false;
};

const UNREADABLE = Symbol('unreadable');
/** Stands for a value only the upstream would know (a copy or move into the certificate's path). */
const CANNOT_TELL = Symbol('cannot tell');

const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return UNREADABLE;
  }
};

/** Every value a JSON document gives a client certificate, walked without recursion (a document may nest deeply). */
const namedIn = (document: unknown): unknown[] => {
  const named: unknown[] = [];
  const pending: unknown[] = [document];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    const members = Object.entries(node);
    for (const [name, value] of members) {
      if (mentionsCertificate(name)) named.push(value);
      pending.push(value);
    }
    const { op, path, value } = node as { op?: unknown; path?: unknown; value?: unknown };
    if (typeof path === 'string' && mentionsCertificate(path)) {
      const kind = String(op).toLowerCase();
      if (kind === 'add' || kind === 'replace') named.push(value);
      else if (kind !== 'remove' && kind !== 'test') named.push(CANNOT_TELL);
    }
  }
  return named;
};
