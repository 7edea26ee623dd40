import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { APIGatewayClient, GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import type { AccessLogEntry } from '../../../../lib/local/front/http-api.js';
import { httpApiListener, MAX_PAYLOAD_BYTES } from '../../../../lib/local/front/http-api.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { send, sendRaw } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';
import { signed } from '../../../support/signing.js';
import { until } from '../../../support/wait.js';

/** What the upstream was sent, exactly. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

/** A tiny upstream: records each request whole, then answers with `answer`. */
const startUpstream = async (answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
};

const closed = (server: Server) =>
  new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });

const headerValues = (rawHeaders: readonly string[], name: string): string[] =>
  rawHeaders.flatMap((value, i) => (i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name ? [value] : []));

describe('a service with an upstream (UPSTREAM_URL)', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let service: LocalService;
  const log: AccessLogEntry[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

  beforeAll(async () => {
    upstream = await startUpstream((req, res, body) => answer(req, res, body));
    service = await startTestService({ upstreamUrl: upstream.url, accessLog: (entry) => log.push(entry) });
  });
  afterAll(async () => {
    await service.close();
    await closed(upstream.server);
  });
  beforeEach(() => {
    upstream.received.length = 0;
    log.length = 0;
    answer = (_req, res) => res.end();
  });

  test('forwards a request for a route not served here unchanged: method, path, query, headers with the signature, body', async () => {
    const body = Buffer.from([0, 255, 10, 13, 0xc3, 0x28, 1, 2]);
    answer = (_req, res) => {
      res.writeHead(
        207,
        [
          ['X-Upstream', 'yes'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ].flat(),
      );
      res.end(Buffer.from([9, 8, 0, 255]));
    };

    const response = await send(service.url, {
      method: 'PUT',
      path: '/restapis/abc123/resources/x%2Fy?b=2&a=1&a=%zz',
      headers: {
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=abc',
        'X-Amz-Date': '20260101T000000Z',
        'X-Amz-Security-Token': 'token',
        'X-Custom': ['one', 'two'],
        'Content-Type': 'application/octet-stream',
      },
      body,
    });

    expect(response.status).toBe(207);
    expect(response.headers['x-upstream']).toBe('yes');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.body).toEqual(Buffer.from([9, 8, 0, 255]));
    const [sent] = upstream.received;
    expect(sent).toMatchObject({ method: 'PUT', url: '/restapis/abc123/resources/x%2Fy?b=2&a=1&a=%zz', body });
    expect(headerValues(sent!.rawHeaders, 'authorization')).toEqual([
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=abc',
    ]);
    expect(headerValues(sent!.rawHeaders, 'x-amz-date')).toEqual(['20260101T000000Z']);
    expect(headerValues(sent!.rawHeaders, 'x-amz-security-token')).toEqual(['token']);
    expect(headerValues(sent!.rawHeaders, 'x-custom')).toEqual(['one', 'two']);
    expect(headerValues(sent!.rawHeaders, 'content-length')).toEqual([String(body.length)]);
  });

  test("drops the connection's own headers both ways, and keeps the Host the client sent (and signed)", async () => {
    answer = (_req, res) => {
      res.writeHead(200, [
        'Connection',
        'X-Upstream-Hop',
        'X-Upstream-Hop',
        'secret',
        'Keep-Alive',
        'timeout=1',
        'X-Kept',
        'k',
        'Content-Length',
        '2',
      ]);
      res.end('ok');
    };

    const response = await sendRaw(
      service.url,
      'GET /restapis HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, X-Client-Hop\r\nX-Client-Hop: secret\r\n' +
        'Keep-Alive: timeout=9\r\nTE: trailers\r\nProxy-Authorization: Basic eDp5\r\nUpgrade: h2c\r\nX-Kept: k\r\n\r\n',
    );

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('ok');
    expect(response.headers['x-kept']).toBe('k');
    expect(response.headers['x-upstream-hop']).toBeUndefined();
    expect(response.headers['keep-alive']).not.toBe('timeout=1');
    const { rawHeaders } = upstream.received[0]!;
    expect(headerValues(rawHeaders, 'host')).toEqual(['localhost']);
    expect(headerValues(rawHeaders, 'x-kept')).toEqual(['k']);
    for (const name of ['x-client-hop', 'te', 'proxy-authorization', 'upgrade']) expect(headerValues(rawHeaders, name)).toEqual([]);
    expect(headerValues(rawHeaders, 'keep-alive')).not.toContain('timeout=9');
    expect(headerValues(rawHeaders, 'connection').join()).not.toMatch(/x-client-hop/i);
  });

  test('streams a large answer: its first bytes reach the client before the upstream has finished', async () => {
    const piece = Buffer.alloc(1024 * 1024, 7);
    let finish: () => void = () => {};
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(piece);
      finish = () => {
        for (let i = 0; i < 11; i++) res.write(piece);
        res.end();
      };
    };
    const hash = createHash('sha256');
    let bytes = 0;

    await new Promise<void>((done, fail) => {
      const req = request(`${service.url}/restapis/big`, (res) => {
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          // Only once bytes have arrived does the upstream send the rest: a buffered answer never would.
          if (bytes === 0) finish();
          bytes += chunk.length;
        });
        res.on('end', done);
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end();
    });

    expect(bytes).toBe(12 * piece.length);
    expect(hash.digest('hex')).toBe(
      createHash('sha256')
        .update(Buffer.concat(Array.from({ length: 12 }, () => piece)))
        .digest('hex'),
    );
  });

  test("an HTTP/1.0 request without Host is forwarded with the upstream's, as HTTP/1.1 must have one", async () => {
    const response = await sendRaw(service.url, 'GET /restapis HTTP/1.0\r\n\r\n');

    expect(response.status).toBe(200);
    expect(headerValues(upstream.received[0]!.rawHeaders, 'host')).toEqual([new URL(upstream.url).host]);
  });

  test('an HTTP/1.1 request without Host is refused 400 BadRequestException, and never forwarded', async () => {
    const response = await sendRaw(service.url, 'GET /restapis HTTP/1.1\r\n\r\n');

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(response.json).toEqual({ message: 'Bad Request' });
    expect(upstream.received).toEqual([]);
  });

  test('refuses a body over the payload limit with 413 before anything reaches the upstream, declared or chunked', async () => {
    const declared = await sendRaw(
      service.url,
      `POST /restapis HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${MAX_PAYLOAD_BYTES + 1}\r\n\r\n`,
    );
    const chunked = await send(service.url, {
      method: 'POST',
      path: '/restapis',
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1),
    });

    expect(declared.status).toBe(413);
    expect(chunked.status).toBe(413);
    expect(chunked.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(upstream.received).toEqual([]);
  });

  test('keeps client certificate routes and /_local/ its own', async () => {
    const list = await send(service.url, { path: '/clientcertificates', headers: { accept: 'application/json' } });
    const health = await send(service.url, { path: '/_local/health' });

    expect(list.status).toBe(200);
    expect(list.json).toEqual({ item: [] });
    expect(health.status).toBe(200);
    expect(upstream.received).toEqual([]);
  });

  test("a method not served on a client certificate path stays this service's 404, never the upstream's", async () => {
    const response = await send(service.url, { method: 'PUT', path: '/clientcertificates/abc123' });

    expect(response.status).toBe(404);
    expect(response.json).toEqual({ message: 'Not Found' });
    expect(upstream.received).toEqual([]);
  });

  test("the tags of another resource's ARN are the upstream's; a client certificate's stay here", async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"tags":{"from":"upstream"}}');
    };
    const restApiArn = encodeURIComponent('arn:aws:apigateway:us-east-1::/restapis/abc123');
    const certificateArn = encodeURIComponent('arn:aws:apigateway:us-east-1::/clientcertificates/abc123');

    const foreign = await send(service.url, { path: `/tags/${restApiArn}`, headers: { accept: 'application/json' } });
    const ours = await send(service.url, { path: `/tags/${certificateArn}`, headers: { accept: 'application/json' } });

    expect(foreign.json).toEqual({ tags: { from: 'upstream' } });
    expect(upstream.received.map(({ url }) => url)).toEqual([`/tags/${restApiArn}`]);
    expect(ours.status).toBe(404);
    expect(ours.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
  });

  test('logs one access line per forwarded request, marked forwarded', async () => {
    answer = (_req, res) => {
      res.writeHead(404, { 'x-amzn-RequestId': 'upstream-id', 'x-amzn-ErrorType': 'NotFoundException' });
      res.end('{"message":"no"}');
    };

    await send(service.url, { path: '/restapis/none' });
    await until('the access log line', () => log.length > 0);

    expect(log).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/restapis/none',
        status: 404,
        errorType: 'NotFoundException',
        requestId: 'upstream-id',
        forwarded: true,
        responseBytes: 16,
      }),
    ]);
  });

  describe('a stage naming a client certificate', () => {
    const client = (accessKeyId: string) =>
      new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' } });

    test.each([
      ['CreateStage', 'POST', '/restapis/api1/stages', (id: string) => ({ stageName: 's', deploymentId: 'd', clientCertificateId: id })],
      [
        'UpdateStage',
        'PATCH',
        '/restapis/api1/stages/s',
        (id: string) => ({ patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: id }] }),
      ],
    ])(
      '%s with a certificate of the caller is forwarded; one of another account or none is 404 and is not',
      async (_, method, path, body) => {
        const { clientCertificateId } = await client('111111111111').send(new GenerateClientCertificateCommand({}));
        // A 12-digit access key id is its own account.
        const as = async (accessKeyId: string, id: string) =>
          send(
            service.url,
            await signed(
              service.url,
              { method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(id)) },
              { credentials: { accessKeyId, secretAccessKey: 'x' } },
            ),
          );

        const own = await as('111111111111', clientCertificateId!);
        const others = await as('222222222222', clientCertificateId!);
        const missing = await as('111111111111', 'nope00');

        expect(own.status).toBe(200);
        expect(upstream.received).toHaveLength(1);
        for (const refused of [others, missing]) {
          expect(refused.status).toBe(404);
          expect(refused.headers['x-amzn-errortype']).toBe('NotFoundException');
          expect(refused.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
        }
      },
    );

    test('an UpdateStage that detaches the certificate (an empty value) is forwarded unchecked', async () => {
      const response = await send(service.url, {
        method: 'PATCH',
        path: '/restapis/api1/stages/s',
        body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: '' }] }),
      });

      expect(response.status).toBe(200);
      expect(upstream.received).toHaveLength(1);
    });

    // A certificate that does not exist anywhere stands for one of another namespace: both are refused alike.
    const replace = (operation: object) => JSON.stringify({ patchOperations: [operation] });
    test.each([
      [
        'a percent-encoded path',
        'PATCH',
        '/restapis/api1/%73tages/s',
        replace({ op: 'replace', path: '/clientCertificateId', value: 'nope00' }),
      ],
      [
        'a path in another case',
        'PATCH',
        '/restapis/api1/Stages/s',
        replace({ op: 'replace', path: '/clientCertificateId', value: 'nope00' }),
      ],
      ['doubled slashes', 'POST', '/restapis/api1//stages', JSON.stringify({ stageName: 's', clientCertificateId: 'nope00' })],
      ['an encoded slash', 'POST', '/restapis/api1%2Fstages', JSON.stringify({ stageName: 's', clientCertificateId: 'nope00' })],
      ['a doubly encoded path', 'POST', '/restapis/api1/%2573tages', JSON.stringify({ stageName: 's', clientCertificateId: 'nope00' })],
      ['a member name in another case', 'POST', '/restapis/api1/stages', JSON.stringify({ stageName: 's', ClientCertificateId: 'nope00' })],
      ['a query parameter', 'POST', '/restapis/api1/stages?clientCertificateId=nope00', JSON.stringify({ stageName: 's' })],
      [
        'an op in another case',
        'PATCH',
        '/restapis/api1/stages/s',
        replace({ op: 'Replace', path: '/clientCertificateId', value: 'nope00' }),
      ],
      [
        'a patch path in another case',
        'PATCH',
        '/restapis/api1/stages/s',
        replace({ op: 'replace', path: '/ClientCertificateId', value: 'nope00' }),
      ],
      ['an add', 'PATCH', '/restapis/api1/stages/s', replace({ op: 'add', path: '/clientCertificateId', value: 'nope00' })],
      ['a copy into it', 'PATCH', '/restapis/api1/stages/s', replace({ op: 'copy', from: '/variables/v', path: '/clientCertificateId' })],
      ['a move into it', 'PATCH', '/restapis/api1/stages/s', replace({ op: 'move', from: '/variables/v', path: '/clientCertificateId' })],
      [
        'a value that is not a string',
        'PATCH',
        '/restapis/api1/stages/s',
        replace({ op: 'replace', path: '/clientCertificateId', value: ['nope00'] }),
      ],
      [
        'a later operation',
        'PATCH',
        '/restapis/api1/stages/s',
        JSON.stringify({
          patchOperations: [
            { op: 'replace', path: '/description', value: 'd' },
            { op: 'replace', path: '/clientCertificateId', value: 'nope00' },
          ],
        }),
      ],
      [
        'a duplicate member (both parsers take the last)',
        'POST',
        '/restapis/api1/stages',
        '{"clientCertificateId":"","clientCertificateId":"nope00"}',
      ],
    ])("a stage naming a certificate not the caller's through %s is refused 404 and not forwarded", async (_, method, path, body) => {
      const response = await send(service.url, { method, path, headers: { 'content-type': 'application/json' }, body });

      expect(response.status).toBe(404);
      expect(response.headers['x-amzn-errortype']).toBe('NotFoundException');
      expect(response.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
      expect(upstream.received).toEqual([]);
    });

    test.each([
      ["JSON only Python's parser takes (NaN)", {}, '{"stageName":"s","clientCertificateId":"nope00","x":NaN}'],
      ['form data', { 'content-type': 'application/x-www-form-urlencoded' }, 'stageName=s&clientCertificateId=nope00'],
      ['a gzip-encoded body', { 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ stageName: 's', clientCertificateId: 'nope00' }))],
      ['UTF-16', {}, Buffer.from(`\ufeff${JSON.stringify({ stageName: 's', clientCertificateId: 'nope00' })}`, 'utf16le')],
      // JSON this check reads as text, where a form reader finds a certificate.
      ['a JSON string sent as form data', { 'content-type': 'application/x-www-form-urlencoded' }, '"&clientCertificateId=nope00&x="'],
      [
        'a JSON object sent as form data',
        { 'content-type': 'application/x-www-form-urlencoded' },
        '{"stageName":"&clientCertificateId=nope00&"}',
      ],
      ['a JSON string, not an object', { 'content-type': 'application/json' }, '"&clientCertificateId=nope00&x="'],
      // node:http keeps the first Content-Type line; an upstream may read the last.
      [
        'JSON sent with a second Content-Type of form data',
        { 'content-type': ['application/json', 'application/x-www-form-urlencoded'] },
        '{"stageName":"&clientCertificateId=nope00&"}',
      ],
    ])(
      'a stage request whose body is %s is refused 400 and not forwarded: an upstream could read a certificate in it',
      async (_, headers, body) => {
        const response = await send(service.url, { method: 'POST', path: '/restapis/api1/stages', headers, body });

        expect(response.status).toBe(400);
        expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
        expect(response.json).toEqual({ message: expect.stringMatching(/^Invalid request body: /) });
        expect(upstream.received).toEqual([]);
      },
    );

    test('a stage body nested a million deep is refused at once, holding no other request meanwhile', async () => {
      const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
      // The same length refused at its first byte: what sending and refusing it costs on this machine
      // now, busy or not. V8 takes seconds to parse the deep one, many times that. Each is sent three
      // times in turns and the quickest of each compared: one moment of a busy machine slows one
      // sample, never all three, where parsing would slow every one.
      const flat = 'x'.repeat(deep.length);
      const timed = async (body: string) => {
        const started = performance.now();
        const answers = await Promise.all([
          send(service.url, { method: 'POST', path: '/restapis/api1/stages', body }),
          send(service.url, { path: '/restapis' }),
        ]);
        return {
          statuses: answers.map((answer) => answer.status),
          type: answers[0]!.headers['x-amzn-errortype'],
          ms: performance.now() - started,
        };
      };
      const turns: { flat: Awaited<ReturnType<typeof timed>>; deep: Awaited<ReturnType<typeof timed>> }[] = [];
      for (let turn = 0; turn < 3; turn++) turns.push({ flat: await timed(flat), deep: await timed(deep) });
      const quickest = (kind: 'flat' | 'deep') => Math.min(...turns.map((each) => each[kind].ms));

      for (const { flat: refusedAtOnce, deep: refused } of turns) {
        expect(refusedAtOnce.statuses).toEqual([400, 200]);
        expect(refused.statuses).toEqual([400, 200]);
        expect(refused.type).toBe('BadRequestException');
      }
      expect(quickest('deep')).toBeLessThan(3 * quickest('flat') + 500);
      expect(upstream.received.map(({ url }) => url)).toEqual(Array(6).fill('/restapis'));
    });
  });

  test.each([
    ['/%63lientcertificates'],
    ['/ClientCertificates/abc123'],
    ['//clientcertificates'],
    ['/x/..%2Fclientcertificates'],
    ['/%5Flocal/health'],
    ['/_LOCAL/state'],
  ])("%s, however spelled, stays this service's 404 and never reaches the upstream", async (path) => {
    const response = await send(service.url, { method: 'POST', path });

    expect(response.status).toBe(404);
    expect(upstream.received).toEqual([]);
  });

  test.each([
    ['an absolute-form target', 'GET http://upstream.example/restapis HTTP/1.1'],
    ['a target with two leading slashes', 'GET //upstream.example/restapis HTTP/1.1'],
    ['a target with a backslash after its slash', 'GET /\\upstream.example/restapis HTTP/1.1'],
  ])('%s, read as one path here and another upstream, is never forwarded', async (_, line) => {
    const response = await sendRaw(service.url, `${line}\r\nHost: localhost\r\n\r\n`);

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['x-amzn-errortype']).toBeDefined();
    expect(upstream.received).toEqual([]);
  });

  test("the tags of a client certificate's ARN in another case or encoding stay here", async () => {
    const arn = encodeURIComponent('arn:aws:apigateway:us-east-1::/ClientCertificates%2Fabc123');

    const response = await send(service.url, { path: `/tags/${arn}` });

    expect(response.status).not.toBe(200);
    expect(upstream.received).toEqual([]);
  });
});

describe('an upstream that cannot answer', () => {
  const listen = async (upstreamUrl: string, timeoutMs?: number) => {
    const server = createServer(httpApiListener([], 'us-east-1', { upstream: { url: upstreamUrl, ...(timeoutMs ? { timeoutMs } : {}) } }));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  test('refusing connections, is a 504 InternalServerErrorException naming no address', async () => {
    const gone = await startUpstream(() => {});
    await closed(gone.server);
    const front = await listen(gone.url);

    const response = await send(front.url, { path: '/restapis' });
    await closed(front.server);

    expect(response.status).toBe(504);
    expect(response.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
    expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json).toEqual({ message: 'Network error communicating with endpoint' });
  });

  test('closing a kept-alive connection as the next request goes out on it, is that request sent again on a new one, not a 504', async () => {
    // Answers the first request on a connection and resets it when the next arrives, as an upstream
    // closing an idle connection at that moment does; a new connection is answered.
    const requests: string[] = [];
    const sockets: Socket[] = [];
    const raw = createNetServer((socket) => {
      sockets.push(socket);
      let served = false;
      socket.on('data', (chunk: Buffer) => {
        requests.push(chunk.toString('latin1').split('\r\n')[0]!);
        if (served) return socket.resetAndDestroy();
        served = true;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok');
      });
    });
    await new Promise<void>((ready) => raw.listen(0, '127.0.0.1', ready));
    const front = await listen(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`);

    const first = await send(front.url, { path: '/restapis/one' });
    const second = await send(front.url, { path: '/restapis/two' });
    await closed(front.server);
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => raw.close(done));

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(requests).toEqual(['GET /restapis/one HTTP/1.1', 'GET /restapis/two HTTP/1.1', 'GET /restapis/two HTTP/1.1']);
  });

  test('switching protocols (101), is a 504 at once, not after the timeout', async () => {
    const switching = await startUpstream((_req, res) => {
      const socket = res.socket!;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      res.detachSocket(socket);
    });
    const front = await listen(switching.url, 10_000);

    const response = await send(front.url, { path: '/restapis' });
    await closed(front.server);
    await closed(switching.server);

    expect(response.status).toBe(504);
    expect(response.json).toEqual({ message: 'Network error communicating with endpoint' });
  });

  test('an answer still coming after the timeout, is cut off there with the connection', async () => {
    const endless = await startUpstream((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('x'), 20);
      res.once('close', () => clearInterval(drip));
    });
    const front = await listen(endless.url, 500);
    const started = Date.now();

    const outcome = await send(front.url, { path: '/restapis' }).then(
      () => 'answered whole',
      (error: Error) => error.message,
    );
    const took = Date.now() - started;
    await closed(front.server);
    await closed(endless.server);

    expect(outcome).not.toMatch(/answered whole|no answer/);
    expect(took).toBeLessThan(5_000);
  });

  test('silent past the timeout, is a 504 "Endpoint request timed out"', async () => {
    const silent = await startUpstream(() => {}); // never answers
    const front = await listen(silent.url, 300);

    const response = await send(front.url, { path: '/restapis' });
    await closed(front.server);
    await closed(silent.server);

    expect(response.status).toBe(504);
    expect(response.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
    expect(response.json).toEqual({ message: 'Endpoint request timed out' });
  });
});
