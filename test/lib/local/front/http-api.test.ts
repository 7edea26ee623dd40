import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import {
  type HttpApiSettings,
  httpApiListener,
  MAX_FUNCTION_RESPONSE_BYTES,
  MAX_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  WRITE_TIMEOUT_MS,
} from '../../../../lib/local/front/http-api.js';
import { sigv4Verifier } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { operations } from '../../../../lib/operations.js';
import type { RawResponse } from '../../../support/http.js';
import { isAwsShapedError, REQUEST_DEADLINE_MS, send, sendRaw } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';

let service: LocalService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service.close();
});

/** Streams `size` bytes of body in 64 KiB chunks, chunked unless `declared` is given; reads the answer even if the upload is cut. */
const upload = (size: number, declared?: number): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(service.url);
    const headers = { 'content-type': 'application/json', ...(declared === undefined ? {} : { 'content-length': declared }) };
    const req = request(
      { hostname, port, method: 'PATCH', path: '/clientcertificates/abc123', headers, agent: false, timeout: REQUEST_DEADLINE_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: JSON.parse(body.toString() || 'null') });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the connection on an upload it refused; its answer has come by then.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });

describe('the HTTP API payload limit (10 MB)', () => {
  test('a body one byte over, streamed, is 413 RequestEntityTooLargeException', async () => {
    const response = await upload(MAX_PAYLOAD_BYTES + 1);

    expect(response.status).toBe(413);
    expect(response.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(response.json).toEqual({ message: 'Request Entity Too Large' });
    expect(isAwsShapedError(response)).toBe(true);
  });

  test('a declared length over the limit is refused before the body is read', async () => {
    const response = await sendRaw(
      service.url,
      `PATCH /clientcertificates/abc123 HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${MAX_PAYLOAD_BYTES + 1}\r\n\r\n{"patch`,
    );

    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
  });

  test('a body of exactly 10 MB reaches the function, which finds it is not JSON', async () => {
    const response = await upload(MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES);

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
  });
});

describe('requests that are not HTTP the stand-in can route', () => {
  test('a route that does not exist is 404 NotFoundException "Not Found", as HTTP API words it', async () => {
    const response = await send(service.url, { method: 'DELETE', path: '/restapis' });

    expect(response.status).toBe(404);
    expect(response.json).toEqual({ message: 'Not Found' });
    expect(isAwsShapedError(response)).toBe(true);
  });

  test.each([
    ['a target that is not a URL', 'GET //[ HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: localhost\r\nbroken\r\n\r\n'],
    ['headers over the HTTP API limit', `GET / HTTP/1.1\r\nHost: localhost\r\nx-big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`],
    ['a body length that is not a number', 'POST /clientcertificates HTTP/1.1\r\nHost: localhost\r\nContent-Length: ten\r\n\r\n'],
  ])('%s is a 400 in the API error shape, and the service goes on', async (_, raw) => {
    const response = await sendRaw(service.url, raw);
    const after = await send(service.url, { path: '/clientcertificates/abc123' });

    expect(response.status).toBe(400);
    expect(isAwsShapedError(response)).toBe(true);
    expect(after.status).toBe(404);
  });
});

describe('throttling', () => {
  test('is off by default: a burst of 200 concurrent requests meets no 429', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, () => send(service.url, { path: '/clientcertificates/abc123' })));

    expect(responses.map((r) => r.status).filter((s) => s !== 404)).toEqual([]);
  });
});

describe('the budget for bodies in flight', () => {
  const update = operations.find(({ name }) => name === 'UpdateClientCertificate')!;
  const size = 400 * 1024; // past the first 64 KiB, 336 KiB of a 1 MiB budget each: three would leave 16 KiB
  const signedAs = (key: string) =>
    `AWS4-HMAC-SHA256 Credential=${key}/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;

  /** A listener on a 1 MiB budget answering every Update 200; resolves to its port. */
  const listening = async (options: HttpApiSettings = {}) => {
    const answer = async () => ({ statusCode: 200, body: '{}' });
    const server = createServer(
      httpApiListener([{ operation: update, handler: answer }], 'us-east-1', { ...options, maxBodyBytesInFlight: 1024 * 1024 }),
    );
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    return { server, port: (server.address() as AddressInfo).port };
  };
  /** An upload signed by `key` that sends no body: it has taken its room, or been refused, once told to go on. */
  const stalledUpload = async (port: number, key: string) => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `PATCH /clientcertificates/abc123 HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${signedAs(key)}\r\nX-Amz-Date: 20261207T000000Z\r\nContent-Length: ${size}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await once(socket, 'data');
    return socket;
  };
  /** A whole upload signed by `key`, once `stalled` hold their room; the stalled ones and the server end with it. */
  const uploadBeside = async (port: number, server: Server, stalled: Socket[], key: string) => {
    const answer = await send(`http://127.0.0.1:${port}`, {
      method: 'PATCH',
      path: '/clientcertificates/abc123',
      headers: { authorization: signedAs(key), 'x-amz-date': '20261207T000000Z', 'content-type': 'application/json' },
      body: 'a'.repeat(size),
    });
    for (const socket of stalled) socket.destroy();
    server.close();
    return answer;
  };

  test("one account's stalled uploads hold at most half of it: another account's body still finds room", async () => {
    const { server, port } = await listening();
    const stalled = await Promise.all(Array.from({ length: 3 }, () => stalledUpload(port, '222222222222')));

    const other = await uploadBeside(port, server, stalled, '111111111111');

    expect(other.status).toBe(200);
  });

  test("stalled uploads signed with unknown keys hold none of it, whatever accounts they claim: a known key's body still finds room", async () => {
    const verify = sigv4Verifier({ credentials: { accessKeyId: 'AKIDKNOWN', secretAccessKey: 'secret' } });
    const { server, port } = await listening({ verify });
    const stalled = await Promise.all(['222222222222', '333333333333', '444444444444'].map((account) => stalledUpload(port, account)));

    const known = await uploadBeside(port, server, stalled, 'AKIDKNOWN');

    // Its body was read and its signature checked (a made-up one), not refused 503 for want of room.
    expect(known.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
  });
});

describe('the Lambda response limit (6 MB)', () => {
  test('a function answering more is a 500, as HTTP API answers when Lambda refuses the response', async () => {
    const answer = async () => ({ statusCode: 400, body: JSON.stringify({ message: 'm'.repeat(MAX_FUNCTION_RESPONSE_BYTES) }) });
    const server = createServer(httpApiListener([{ operation: operations[0]!, handler: answer }], 'us-east-1'));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const response = await send(url, { method: operations[0]!.method, path: operations[0]!.path });
    server.close();

    expect(response.status).toBe(500);
    expect(response.json).toEqual({ message: 'Internal Server Error' });
  });
});

describe('pipelined requests on one connection', () => {
  /** Writes `requests` on one connection and reads answers until the service closes it, `enough` holds, or `readMs` passes. */
  const pipeline = async (url: string, requests: string, readMs: number, enough = (_received: string) => false): Promise<string> => {
    const socket = connect(Number(new URL(url).port), new URL(url).hostname);
    await once(socket, 'connect');
    let received = '';
    let done!: () => void;
    const read = new Promise<void>((resolve) => {
      done = resolve;
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (enough(received)) done();
    });
    socket.on('error', () => undefined);
    socket.write(requests);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([once(socket, 'close'), read, new Promise((settle) => (timer = setTimeout(settle, readMs)))]);
    clearTimeout(timer);
    socket.destroy();
    return received;
  };
  const statusLines = (received: string): string[] => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];

  test('behind an answer that closes the connection are not served: nothing written, each logged as dropped', async () => {
    const logged: { method: string; status: number }[] = [];
    const local = await startTestService({ accessLog: ({ method, status }) => logged.push({ method, status }) });
    try {
      // No such route, with a body the stand-in does not read: refused, and the connection closed.
      const refused = 'GET /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\nx';
      const generate =
        'POST /clientcertificates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

      const received = await pipeline(local.url, refused + generate, 5_000);

      expect(statusLines(received)).toEqual(['HTTP/1.1 404']);
      const list = await fetch(`${local.url}/clientcertificates`, { headers: { accept: 'application/json' } });
      expect(await list.json()).toEqual({ item: [] });
      expect(logged).toContainEqual({ method: 'POST', status: 0 });
    } finally {
      await local.close();
    }
  });

  test("each get the whole function timeout: the answer before's write timeout does not cut the connection", async () => {
    const local = await startTestService({ accessLog: false });
    try {
      const json = { accept: 'application/json', 'content-type': 'application/json' };
      const created = await fetch(`${local.url}/clientcertificates`, { method: 'POST', headers: json, body: '{}' });
      const { clientCertificateId: id } = (await created.json()) as { clientCertificateId: string };
      // Past the write timeout the answer before arms on the connection.
      local.control.addFault({ operations: ['UpdateClientCertificate'], action: { delayMs: WRITE_TIMEOUT_MS + 500, when: 'before' } });
      const get = `GET /clientcertificates/${id} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`;
      const body = JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: 'late' }] });
      const patch = `PATCH /clientcertificates/${id} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

      const received = await pipeline(local.url, get + patch, WRITE_TIMEOUT_MS + 3_000, (so) => so.includes('"late"'));

      expect(statusLines(received)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
      expect(received).toContain('"description":"late"');
    } finally {
      await local.close();
    }
  }, 30_000);

  test('are served in turn: a client that sends many and reads no answer holds one at a time, and others are served', async () => {
    const answered: number[] = [];
    const local = await startTestService({ accessLog: (entry) => answered.push(entry.status) });
    let socket: ReturnType<typeof connect> | undefined;
    try {
      // Answers of 750 KB (the longest description, each character escaped): a few unread ones fill the connection's buffers.
      const json = { accept: 'application/json', 'content-type': 'application/json' };
      const created = await fetch(`${local.url}/clientcertificates`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ description: '\u0001'.repeat(125_000) }),
      });
      expect(created.status).toBe(201);
      const { clientCertificateId } = (await created.json()) as { clientCertificateId: string };
      const before = answered.length;

      socket = connect(Number(new URL(local.url).port), new URL(local.url).hostname);
      await once(socket, 'connect');
      socket.pause(); // reads nothing, ever
      socket.on('error', () => undefined);
      socket.write(
        `GET /clientcertificates/${clientCertificateId} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`.repeat(200),
      );
      await new Promise((settle) => setTimeout(settle, 1_500));
      const bystander = await fetch(`${local.url}/clientcertificates/${clientCertificateId}`, { headers: json });

      expect(bystander.status).toBe(200);
      await bystander.arrayBuffer();
      expect(answered.length - before - 1).toBeLessThan(40);
    } finally {
      socket?.destroy();
      await local.close();
    }
  });
});
