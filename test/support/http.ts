import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { INTEGRATION_TIMEOUT_MS } from '../../lib/local/functions/functions.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

export interface RawRequest {
  readonly method?: string;
  /** The request target exactly as sent, not normalised: `/a/../b?x=%zz` goes out as written. */
  readonly path: string;
  readonly headers?: Record<string, string | number | string[]>;
  readonly body?: Buffer | string;
}

/**
 * How long any single test request may take before it counts as a hang: longer than HTTP API's
 * integration timeout, within which the local service answers every request, however busy the machine.
 */
export const REQUEST_DEADLINE_MS = INTEGRATION_TIMEOUT_MS + 5_000;

/** One HTTP(S) request with node:http(s), nothing added but what node:http must add; fails on a hang. */
export const send = (baseUrl: string, { method = 'GET', path, headers = {}, body }: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const { hostname, port, protocol } = new URL(baseUrl);
    const requester = protocol === 'https:' ? httpsRequest : request;
    const req = requester({ hostname, port, method, path, headers, timeout: REQUEST_DEADLINE_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(parsed(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within ${REQUEST_DEADLINE_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });

/**
 * Writes `bytes` to a fresh connection and reads until the server closes it or has sent one whole
 * response: for requests node:http refuses to send (bad methods, broken request lines, invalid UTF-8).
 * The answer to a HEAD request has no body whatever its content-length says: pass `head`. With
 * `halfClose`, the client ends its side once the bytes are written, as `nc -N` and some HTTP/1.0 clients do.
 */
export const sendRaw = (baseUrl: string, bytes: Buffer | string, { head = false, halfClose = false } = {}): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${REQUEST_DEADLINE_MS} ms`)), REQUEST_DEADLINE_MS);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const response = parseRawResponse(Buffer.concat(chunks), head);
      if (response === undefined) reject(new Error(`no HTTP response, got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
      else resolve(response);
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseRawResponse(Buffer.concat(chunks), head) !== undefined) finish();
    });
    socket.on('end', finish);
    socket.on('error', (error) => {
      clearTimeout(timer);
      // A reset after a complete response still counts as that response.
      const response = parseRawResponse(Buffer.concat(chunks), head);
      if (response !== undefined) resolve(response);
      else reject(error);
    });
    if (halfClose) socket.end(bytes);
    else socket.write(bytes);
  });

/** A complete HTTP/1.1 response with a content-length, or `undefined` while more is to come. */
const parseRawResponse = (raw: Buffer, head = false): RawResponse | undefined => {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const length = head ? 0 : Number(headers['content-length'] ?? 0);
  const body = raw.subarray(end + 4);
  if (body.length < length) return undefined;
  return parsed(Number(statusLine.split(' ')[1]), headers, body.subarray(0, length));
};

const parsed = (status: number, headers: IncomingHttpHeaders, body: Buffer): RawResponse => {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
};

/**
 * What every error the API sends looks like (docs/fidelity.md, "Error shape"): a 4xx or 5xx with the type in
 * `x-amzn-ErrorType`, a request id, and a JSON body whose only member is a string `message`.
 */
export const isAwsShapedError = ({ status, headers, json }: RawResponse): boolean =>
  status >= 400 &&
  typeof headers['x-amzn-errortype'] === 'string' &&
  typeof headers['x-amzn-requestid'] === 'string' &&
  typeof json === 'object' &&
  json !== null &&
  Object.keys(json).join() === 'message' &&
  typeof (json as { message: unknown }).message === 'string';
