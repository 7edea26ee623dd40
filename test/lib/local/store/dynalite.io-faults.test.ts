import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LocalService } from '../../../../lib/local/service.js';
import { startDynalite } from '../../../../lib/local/store/dynalite.js';
import type { RawResponse } from '../../../support/http.js';
import { isAwsShapedError, send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';

/**
 * A LevelDB I/O error is answered as the store failing, not the end of the process. Real faults, not injected ones:
 * tests run as root, where a read-only directory stops no write, so the disk is made full (a small
 * tmpfs and a file filling it) or the data directory is removed. Mounting needs root; elsewhere the
 * disk-full tests are skipped, and say so.
 */

const root = mkdtempSync(join(tmpdir(), 'store-io-faults-'));
const disk = join(root, 'disk');
const unmount = () => execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
const mounted = (() => {
  mkdirSync(disk);
  try {
    // A run that jest ended abruptly (a store that ended the process, say) left its tmpfs behind;
    // no run lasts ten minutes, so an older one is nobody's.
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, left = ''] = line.split(' ');
      if (left.startsWith(join(tmpdir(), 'store-io-faults-')) && Date.now() - statSync(dirname(left)).mtimeMs > 600_000)
        execFileSync('umount', ['-l', left]);
    }
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk], { stdio: 'ignore' });
    process.once('exit', unmount);
    return true;
  } catch {
    process.stdout.write('store I/O faults: cannot mount a tmpfs here (root only), so the disk-full tests are skipped\n');
    return false;
  }
})();

/** The store's log lines, kept from stderr while a test runs. */
const storeLines: string[] = [];
const writeStderr = process.stderr.write.bind(process.stderr);

beforeAll(() => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (String(chunk).startsWith('store (LevelDB')) storeLines.push(String(chunk));
    return writeStderr(chunk, ...rest);
  }) as typeof process.stderr.write;
});

afterAll(() => {
  process.stderr.write = writeStderr;
  if (mounted) {
    process.removeListener('exit', unmount);
    unmount();
  }
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => storeLines.splice(0));

const DESCRIPTION = 'd'.repeat(120_000);
const json = { 'content-type': 'application/json' };

(mounted ? describe : describe.skip)('a full disk under the running service', () => {
  let service: LocalService;
  const filler = join(disk, 'filler');

  beforeAll(async () => {
    service = await startTestService({ dataDir: join(disk, 'data') });
  });

  afterAll(async () => {
    rmSync(filler, { force: true });
    await service.close();
  });

  const generate = () =>
    send(service.url, { method: 'POST', path: '/clientcertificates', headers: json, body: JSON.stringify({ description: DESCRIPTION }) });
  const listed = async () =>
    (
      (await send(service.url, { path: '/clientcertificates?limit=500', headers: { accept: 'application/json' } })).json as {
        item?: unknown[];
      }
    ).item?.length ?? 0;

  test('answers 503 while it lasts, logs each cause once, keeps running, and serves again once there is room', async () => {
    const kept = await generate();
    expect(kept.status).toBe(201);
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(filler, Buffer.alloc(bavail * bsize - 400_000));

    // Prepare: write until the disk refuses, then keep asking.
    const answers: RawResponse[] = [];
    for (let i = 0; i < 20 && answers.filter(({ status }) => status === 503).length < 5; i++) answers.push(await generate());
    const created = answers.filter(({ status }) => status === 201).length;
    const refused = answers.filter(({ status }) => status !== 201);

    expect(refused.length).toBe(5);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.headers['x-amzn-errortype']).toBe('ServiceUnavailableException');
      expect(isAwsShapedError(answer)).toBe(true);
    }
    expect(storeLines).toEqual([expect.stringContaining('No space left on device')]);

    // Act: make room; the store reopens by itself.
    rmSync(filler);
    let after: RawResponse | undefined;
    for (let tries = 0; tries < 50 && after?.status !== 201; tries++) {
      await new Promise((later) => setTimeout(later, 200));
      after = await generate();
    }

    // Assess: served again, nothing lost that was acknowledged, nothing kept that was refused.
    expect(after?.status).toBe(201);
    expect(storeLines).toEqual([expect.stringContaining('No space left on device'), expect.stringContaining('reopened')]);
    expect(
      (await send(service.url, { path: `/clientcertificates/${(kept.json as { clientCertificateId: string }).clientCertificateId}` }))
        .status,
    ).toBe(200);
    expect(await listed()).toBe(1 + created + 1);
  }, 60_000);
});

describe('a data directory removed under the running store', () => {
  test('fails its calls with InternalServerError, not a crash, and stops with one line saying why', async () => {
    const path = join(root, 'removed');
    const failures: string[] = [];
    const db = await startDynalite('Removed', path, { onFailure: (reason) => failures.push(reason) });
    const client = new DynamoDBClient({ endpoint: db.endpoint, maxAttempts: 1 });
    const put = (i: number) =>
      client
        .send(
          new PutItemCommand({
            TableName: 'Removed',
            Item: { namespace: { S: String(i) }, clientCertificateId: { S: `c${i}` }, description: { S: 'd'.repeat(300_000) } },
          }),
        )
        .then(
          () => 'ok',
          (error: { name: string; $metadata: { httpStatusCode?: number } }) => `${error.$metadata.httpStatusCode} ${error.name}`,
        );

    rmSync(path, { recursive: true });
    // LevelDB writes on into its open log until it flushes its 4 MB write buffer into a new file.
    const answers: string[] = [];
    for (let i = 0; i < 40 && failures.length === 0; i++) answers.push(await put(i));
    for (let waits = 0; waits < 50 && failures.length === 0; waits++) await new Promise((later) => setTimeout(later, 100));

    expect(answers.at(-1)).toBe('500 InternalServerError');
    expect(answers.filter((answer) => answer !== 'ok' && answer !== '500 InternalServerError')).toEqual([]);
    expect(failures).toEqual([expect.stringContaining('files were removed while the service ran')]);
    expect(storeLines.filter((line) => line.includes('stopping'))).toHaveLength(1);
    client.destroy();
    await db.close().catch(() => {}); // its files are gone: closing may report that too
  }, 60_000);
});

describe('a store client that resets its connection halfway through a request', () => {
  test('loses that request only: the store thread goes on serving', async () => {
    const failures: string[] = [];
    const db = await startDynalite('Reset', undefined, { onFailure: (reason) => failures.push(reason) });
    const client = new DynamoDBClient({ endpoint: db.endpoint, maxAttempts: 1 });

    const socket = connect(Number(new URL(db.endpoint).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST / HTTP/1.1\r\nHost: store\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{"TableName"');
    await new Promise((sent) => setTimeout(sent, 100));
    socket.resetAndDestroy();
    await new Promise((arrived) => setTimeout(arrived, 200));

    expect((await client.send(new DescribeTableCommand({ TableName: 'Reset' }))).Table?.TableStatus).toBe('ACTIVE');
    expect(failures).toEqual([]);
    client.destroy();
    await db.close();
  });
});
