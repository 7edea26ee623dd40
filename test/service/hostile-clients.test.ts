import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { WRITE_TIMEOUT_MS } from '../../lib/local/front/http-api.js';
import type { ChildService } from '../support/child-service.js';
import { spawnService } from '../support/child-service.js';
import { send } from '../support/http.js';

/**
 * Clients that hold memory or descriptors do not starve the others. The real service, in a process
 * of its own, meets each attack in turn while a well-behaved client keeps calling it; that client
 * gets every answer, promptly, and the service's memory stays bounded. Each attack is bounded in
 * connections and time, on loopback only.
 */

const ATTACK_MS = 3_000;
const FD_LIMIT = 1024;
/** What the service may use at most, in resident memory, during any attack. */
const RSS_BOUND_MB = 800;

let service: ChildService;
let id: string;
let host: string;
let port: number;
const figures: string[] = [];

const rssMb = (): number => {
  const status = readFileSync(`/proc/${service.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
};

/** Opens `count` connections, each handed to `use`; resolves once all are open. */
const openSockets = async (count: number, use: (socket: Socket) => void = () => undefined): Promise<Socket[]> => {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, () => {
        const socket = connect({ host, port });
        socket.on('error', () => undefined); // the service closing them is the point
        sockets.push(socket);
        return new Promise<void>((open) =>
          socket
            .once('connect', () => {
              use(socket);
              open();
            })
            .once('close', () => open()),
        );
      }),
    );
  }
  return sockets;
};

/** A well-behaved client calling GetClientCertificate for as long as `attack` runs; what it met. */
const duringAttack = async (name: string, attack: () => Promise<() => void>) => {
  const stop = await attack();
  const latencies: number[] = [];
  const statuses: number[] = [];
  let peakRss = rssMb();
  const until = Date.now() + ATTACK_MS;
  while (Date.now() < until) {
    const started = performance.now();
    const response = await send(service.url, { path: `/clientcertificates/${id}` }).catch(() => ({ status: 0 }));
    latencies.push(performance.now() - started);
    statuses.push(response.status);
    peakRss = Math.max(peakRss, rssMb());
  }
  stop();
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  const max = latencies.at(-1)!;
  const ok = statuses.filter((s) => s === 200).length;
  figures.push(
    `${name}: ${ok}/${statuses.length} answered 200, p50 ${p50.toFixed(1)} ms, max ${max.toFixed(0)} ms, peak RSS ${peakRss.toFixed(0)} MB`,
  );
  return { ok, total: statuses.length, max, peakRss };
};

beforeAll(async () => {
  // A descriptor limit the flood below exceeds, as 20 000 connections exceed the usual one.
  service = await spawnService({ DATA_DIR: 'memory', POWERTOOLS_LOG_LEVEL: 'SILENT', LOG_FORMAT: 'json' }, { fdLimit: FD_LIMIT });
  ({ hostname: host } = new URL(service.url));
  port = Number(new URL(service.url).port);
  const json = { 'content-type': 'application/json' };
  const made = await send(service.url, {
    method: 'POST',
    path: '/clientcertificates',
    headers: json,
    body: '{"description":"well-behaved"}',
  });
  id = (made.json as { clientCertificateId: string }).clientCertificateId;
  // Large certificates, so that a list page is about 600 KB to leave unread.
  for (let i = 0; i < 5; i++) {
    await send(service.url, {
      method: 'POST',
      path: '/clientcertificates',
      headers: json,
      body: JSON.stringify({ description: 'x'.repeat(120_000) }),
    });
  }
  figures.push(`at rest: RSS ${rssMb().toFixed(0)} MB`);
});

afterAll(async () => {
  await service.stop();
  process.stdout.write(`hostile clients:\n  ${figures.join('\n  ')}\n`);
});

const expectServed = ({ ok, total, max, peakRss }: Awaited<ReturnType<typeof duringAttack>>) => {
  expect(total).toBeGreaterThan(5);
  expect(ok).toBe(total);
  expect(max).toBeLessThan(2_000);
  expect(peakRss).toBeLessThan(RSS_BOUND_MB);
};

test('a flood of idle connections, past the descriptor limit, does not shut others out', async () => {
  const outcome = await duringAttack(`1500 idle connections, descriptor limit ${FD_LIMIT}`, async () => {
    const sockets = await openSockets(1_500);
    return () => {
      for (const socket of sockets) socket.destroy();
    };
  });

  expectServed(outcome);
});

test('clients that send their headers a byte at a time hold nothing for long', async () => {
  const outcome = await duringAttack('300 slow-header clients', async () => {
    const timers: NodeJS.Timeout[] = [];
    const sockets = await openSockets(300, (socket) => {
      socket.write('GET /clientcertificates HTTP/1.1\r\nHost: localhost\r\n');
      timers.push(setInterval(() => socket.write('X-Slow: 1\r\n'), 500));
    });
    return () => {
      timers.forEach(clearInterval);
      for (const socket of sockets) socket.destroy();
    };
  });

  expectServed(outcome);
});

test('clients that stall half-way through large bodies hold a bounded amount of memory', async () => {
  const outcome = await duringAttack('100 stalled 10 MB bodies', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const sockets = await openSockets(100, (socket) => {
      socket.write(
        `PATCH /clientcertificates/${id} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
      );
      for (let i = 0; i < 9; i++) socket.write(chunk);
    });
    return () => {
      for (const socket of sockets) socket.destroy();
    };
  });

  expectServed(outcome);
});

test('clients that stall part-way through their bodies, past the connection cap, do not shut others out', async () => {
  const outcome = await duringAttack(`700 stalled bodies, descriptor limit ${FD_LIMIT}`, async () => {
    const sockets = await openSockets(700, (socket) => {
      socket.write(
        `PATCH /clientcertificates/${id} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"patch`,
      );
    });
    await new Promise((parsed) => setTimeout(parsed, 500)); // every one of them a request under way
    return () => {
      for (const socket of sockets) socket.destroy();
    };
  });

  expectServed(outcome);
});

test('clients that never read their answers are cut off, and others are served meanwhile', async () => {
  const closed: Promise<void>[] = [];
  let sockets: Socket[] = [];
  const outcome = await duringAttack('100 clients not reading 600 KB pages', async () => {
    sockets = await openSockets(100, (socket) => {
      socket.pause();
      closed.push(new Promise((done) => socket.once('close', () => done())));
      socket.write('GET /clientcertificates?limit=500 HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n');
    });
    // The 100 pages are real work; measure once they are answered and only the unread answers remain.
    const answered = () =>
      service
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"routeKey":"GET /clientcertificates"')).length;
    for (const until = Date.now() + 20_000; answered() < 100 && Date.now() < until; ) await new Promise((wait) => setTimeout(wait, 50));
    return () => undefined; // the service is to close these connections, not the test
  });
  // A paused socket sees its end only once it reads: read, after the service has had time to close.
  await new Promise((later) => setTimeout(later, WRITE_TIMEOUT_MS));
  for (const socket of sockets) socket.resume();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    Promise.all(closed).then(() => true),
    new Promise((late) => (timer = setTimeout(() => late(false), 5_000))),
  ]);
  clearTimeout(timer);
  for (const socket of sockets) socket.destroy();

  expectServed(outcome);
  expect(ended).toBe(true);
}, 60_000);
