import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildService } from '../support/child-service.js';
import { spawnService } from '../support/child-service.js';
import type { RawRequest } from '../support/http.js';
import { REQUEST_DEADLINE_MS } from '../support/http.js';
import { signed } from '../support/signing.js';
import { until } from '../support/wait.js';

/**
 * A bounded soak of the real service (`npm start` in a child process, with AUTH=sigv4 and its
 * LevelDB store on disk): concurrent updates, tagging and untagging on a few certificates, then a kill -9 in the middle of
 * the load and a restart on the same files. Checked: no 5xx, every acknowledged change still in the
 * final state (see `lostChanges`), and logs that name their request and hold no secret.
 * SOAK_SECONDS sets the length of the first phase.
 */
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 10) * 1000;
const KILL_PHASE_MS = 4_000;
const WORKERS = 16;
const CERTIFICATES = 4;

const credentials = { accessKeyId: 'AKIDSOAKTEST', secretAccessKey: 'soak-secret-never-logged-0123456789' };
const env = {
  AUTH: 'sigv4',
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  LOG_FORMAT: 'json',
};

/**
 * A change one request makes, to one register of a certificate: `description` for an update;
 * TagResource writes `tags.<key>` and UntagResource writes `undefined` to it.
 */
interface Change {
  readonly register: string;
  readonly value: string | undefined;
}

/** One write as the client saw it: when it began, when its answer came (if it came), and what that said. */
interface Attempt {
  readonly certificate: string;
  readonly change: Change;
  readonly start: number;
  end?: number;
  status?: number;
}

/** A kind of write the soak sends. */
interface Action {
  readonly name: string;
  readonly request: (certificate: string, token: string) => { request: RawRequest; change: Change };
  /** What a 2xx answer must say, for the body to be checked too. */
  readonly confirms: (body: unknown, change: Change) => boolean;
}

const json = { 'content-type': 'application/json' };
// Few keys, so that tagging and untagging race on the same ones.
const TAG_KEYS = ['stage', 'owner'];
let tagKeys = 0;
const nextTagKey = (): string => TAG_KEYS[tagKeys++ % TAG_KEYS.length]!;
const tagsPath = (certificate: string): string =>
  `/tags/${encodeURIComponent(`arn:aws:apigateway:us-east-1::/clientcertificates/${certificate}`)}`;
const actions: readonly Action[] = [
  {
    name: 'UpdateClientCertificate',
    request: (certificate, token) => ({
      request: {
        method: 'PATCH',
        path: `/clientcertificates/${certificate}`,
        headers: json,
        body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: token }] }),
      },
      change: { register: 'description', value: token },
    }),
    confirms: (body, change) => (body as { description?: string }).description === change.value,
  },
  {
    name: 'TagResource',
    request: (certificate, token) => {
      const key = nextTagKey();
      return {
        request: { method: 'PUT', path: tagsPath(certificate), headers: json, body: JSON.stringify({ tags: { [key]: token } }) },
        change: { register: `tags.${key}`, value: token },
      };
    },
    confirms: (body) => body === undefined,
  },
  {
    name: 'UntagResource',
    request: (certificate) => {
      const key = nextTagKey();
      return {
        request: { method: 'DELETE', path: `${tagsPath(certificate)}?tagKeys=${key}` },
        change: { register: `tags.${key}`, value: undefined },
      };
    },
    confirms: (body) => body === undefined,
  },
];

/** The registers of a certificate as GetClientCertificate shows it. */
const registersOf = (certificate: { description?: string; tags?: Record<string, string> }): Map<string, string | undefined> =>
  new Map([
    ['description', certificate.description],
    ...Object.entries(certificate.tags ?? {}).map(([k, v]) => [`tags.${k}`, v] as [string, string]),
  ]);

const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
const statuses = new Map<number | 'no answer', number>();
/** The ids of every answered request: the function's (x-amzn-RequestId) to the API's (apigw-requestid). */
const requestIds = new Map<string, string>();
const attempts: Attempt[] = [];

const call = async (url: string, raw: RawRequest): Promise<{ status: number; body: unknown }> => {
  const { method = 'GET', path, headers, body } = await signed(url, raw, { credentials });
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent, timeout: REQUEST_DEADLINE_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const functionRequestId = res.headers['x-amzn-requestid'];
        if (typeof functionRequestId === 'string') requestIds.set(functionRequestId, String(res.headers['apigw-requestid']));
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('hang')));
    req.on('error', reject);
    req.end(body);
  });
};

const count = (key: number | 'no answer') => statuses.set(key, (statuses.get(key) ?? 0) + 1);

/** WORKERS clients writing and reading as fast as answers come, until `until` or the first connection error. */
const load = async (url: string, certificates: readonly string[], until: () => boolean, phase: string): Promise<void> => {
  const worker = async (w: number) => {
    for (let i = 0; !until(); i++) {
      const certificate = certificates[(w + i) % certificates.length]!;
      if (i % 5 === 4) {
        const read = await call(url, { path: `/clientcertificates/${certificate}` }).catch(() => undefined);
        if (read === undefined) return count('no answer');
        count(read.status);
        continue;
      }
      const action = actions[i % actions.length]!;
      const { request: raw, change } = action.request(certificate, `${phase}-w${w}-${i}`);
      const attempt: Attempt = { certificate, change, start: performance.now() };
      attempts.push(attempt);
      const answer = await call(url, raw).catch(() => undefined);
      if (answer === undefined) return count('no answer'); // the service is gone: this write's fate is unknown
      attempt.end = performance.now();
      attempt.status = answer.status;
      count(answer.status);
      if (answer.status < 300 && !action.confirms(answer.body, change))
        throw new Error(`${action.name} answered ${JSON.stringify(answer.body)} for ${JSON.stringify(change)}`);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
};

/**
 * What "no acknowledged change lost" means with last-writer-wins writers. For each register, the
 * final value must come from a write that may have been applied (acknowledged, or never answered;
 * a 4xx such as a 409 promises nothing was written), and no acknowledged write may have begun after
 * that one was acknowledged: such a later write would have to be the final value, or be overwritten
 * by a write later still. So the last acknowledged write, or a later one, is always what is found.
 */
const lostChanges = (
  finals: Map<string, Map<string, string | undefined>>,
  initial: Map<string, Map<string, string | undefined>>,
): string[] => {
  const problems: string[] = [];
  for (const [certificate, registers] of finals) {
    const names = new Set([...registers.keys(), ...attempts.filter((a) => a.certificate === certificate).map((a) => a.change.register)]);
    for (const register of names) {
      const final = registers.get(register);
      const writes = attempts.filter((a) => a.certificate === certificate && a.change.register === register);
      const acknowledged = writes.filter((a) => a.status !== undefined && a.status < 300);
      // Every untag writes the same value (none), so the final value may have several possible sources.
      const sources = writes.filter((a) => a.change.value === final && (a.status === undefined || a.status < 300));
      if (sources.length === 0) {
        if (final !== initial.get(certificate)?.get(register))
          problems.push(`${certificate} ${register}=${final}: written by no write that may have been applied`);
        else if (acknowledged.length > 0)
          problems.push(`${certificate} ${register}: back at its initial value after ${acknowledged.length} acknowledged writes`);
        continue;
      }
      const laterThan = (source: Attempt) => acknowledged.find((a) => source.end !== undefined && a.start > source.end);
      const later = sources.map(laterThan);
      if (later.every((l) => l !== undefined))
        problems.push(`${certificate} ${register}=${final}, but ${later.at(-1)!.change.value} was acknowledged after it was`);
    }
  }
  return problems;
};

const finalState = async (url: string, certificates: readonly string[]) => {
  const finals = new Map<string, Map<string, string | undefined>>();
  for (const certificate of certificates) {
    const { status, body } = await call(url, { path: `/clientcertificates/${certificate}` });
    expect(status).toBe(200);
    finals.set(certificate, registersOf(body as object));
  }
  return finals;
};

/** Every structured log line the service wrote, parsed. */
const logLines = (service: ChildService): Record<string, unknown>[] =>
  service
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

let dataDir: string;
let service: ChildService | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
});

afterAll(async () => {
  await service?.stop();
  agent.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  const acknowledged = attempts.filter((a) => a.status !== undefined && a.status < 300).length;
  const summary = [...statuses].map(([status, n]) => `${status}: ${n}`).join(', ');
  process.stdout.write(
    `soak: ${WORKERS} clients on ${CERTIFICATES} certificates, ${attempts.length} writes (${acknowledged} acknowledged), answers ${summary}\n`,
  );
});

// Its phases are measured in time (SOAK_MS, KILL_PHASE_MS); on a busy machine what comes between them takes longer.
test('concurrent writers for a bounded time, then kill -9 mid-load: no 5xx, no acknowledged change lost, logs clean', async () => {
  service = await spawnService({ ...env, DATA_DIR: dataDir });
  const certificates: string[] = [];
  for (let i = 0; i < CERTIFICATES; i++) {
    const { status, body } = await call(service.url, {
      method: 'POST',
      path: '/clientcertificates',
      headers: json,
      body: '{"description":"initial"}',
    });
    expect(status).toBe(201);
    certificates.push((body as { clientCertificateId: string }).clientCertificateId);
  }
  const initial = await finalState(service.url, certificates);

  // Phase 1: load for SOAK_MS, then the final state must hold every acknowledged change.
  const soakEnd = performance.now() + SOAK_MS;
  await load(service.url, certificates, () => performance.now() > soakEnd, 'soak');
  expect(lostChanges(await finalState(service.url, certificates), initial)).toEqual([]);
  const first = service;

  // Phase 2: load again, kill -9 in the middle of it, restart on the same files.
  let killed = false;
  const phase2 = load(service.url, certificates, () => killed, 'kill');
  await new Promise((later) => setTimeout(later, KILL_PHASE_MS / 2));
  await service.kill9();
  killed = true;
  await phase2;
  const logs = logLines(first);
  service = await spawnService({ ...env, DATA_DIR: dataDir });

  expect(lostChanges(await finalState(service.url, certificates), initial)).toEqual([]);
  expect([...statuses.keys()].filter((s) => typeof s === 'number' && s >= 500)).toEqual([]);
  expect(attempts.filter((a) => a.status !== undefined && a.status < 300).length).toBeGreaterThan(WORKERS);

  // Every request's log line names that request, and no other: requests ran concurrently in one thread.
  const requestLines = [...logs, ...logLines(service)].filter((line) => line.message === 'request');
  const logged = new Map(requestLines.map((line) => [line.function_request_id, line.apiRequestId]));
  expect(logged.size).toBe(requestLines.length);
  expect([...requestIds].filter(([functionId, apiId]) => logged.get(functionId) !== apiId)).toEqual([]);
  for (const line of requestLines) {
    expect(line.function_request_id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(line.apiRequestId).toEqual(expect.any(String));
  }
  const everything = first.stdout() + service.stdout();
  expect(everything).not.toContain('BEGIN CERTIFICATE');
  expect(everything).not.toContain(credentials.secretAccessKey);
}, 180_000);

/** A state document of `namespaces` namespaces (accounts 5000000000NN in us-west-2), each holding `count` certificates. */
const stateOf = (namespaces: number, count: number, description: string) => ({
  namespaces: Object.fromEntries(
    Array.from({ length: namespaces }, (_, n) => {
      const ids = Array.from({ length: count }, (_, i) => `k${String(n).padStart(2, '0')}${String(i).padStart(3, '0')}`);
      const namespace = {
        certificates: ids.map((clientCertificateId, quotaSlot) => ({
          clientCertificateId,
          description,
          pemEncodedCertificate: ['-----BEGIN CERTIFICATE-----', 'MIIBszCCAVmgAwIBAgIIK', '-----END CERTIFICATE-----'].join('\r\n'),
          createdDate: 1_700_000_000,
          expirationDate: 1_700_000_000 + 365 * 24 * 3600,
          tags: {},
          version: 1,
          quotaSlot,
        })),
        quotaSlots: ids.map((owner, index) => ({ index, owner, claimedAt: 1 })),
      };
      return [`5000000000${String(n).padStart(2, '0')}#us-west-2`, namespace];
    }),
  ),
});

/** Each namespace's certificates and quota slots, counted, of a `state()`. */
const counts = (state: string): string[] =>
  (JSON.parse(state) as [string, { certificates: unknown[]; quotaSlots: unknown[] }][]).map(
    ([key, { certificates, quotaSlots }]) => `${key}: ${certificates.length} certificates, ${quotaSlots.length} slots`,
  );

/** Bytes of the store's own files (not those of its subdirectories): they grow as writes land. */
const storeBytes = (): number =>
  readdirSync(dataDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(dataDir, entry.name)).size, 0);

test('a service killed -9 part-way through writing a state import, started again on its files, holds exactly what it held before', async () => {
  service ??= await spawnService({ ...env, DATA_DIR: dataDir });
  const namespaces = 20; // 20 x (60 certificates + 60 slots + 1): within the 2 500 items of one import
  // The import's namespaces as exported, whole: the soak's own namespace is left out.
  const state = async () => {
    const { body } = await call(service!.url, { path: '/_local/state?all' });
    const all = (body as { namespaces: Record<string, unknown> }).namespaces;
    return JSON.stringify(Object.entries(all).filter(([key]) => key.startsWith('5000000000')));
  };
  const put = (document: unknown) =>
    call(service!.url, { method: 'PUT', path: '/_local/state', headers: json, body: JSON.stringify(document) });
  expect((await put(stateOf(namespaces, 5, 'before'))).status).toBe(200);
  const before = await state();
  const bytes = storeBytes();

  const document = stateOf(namespaces, 60, 'after '.repeat(500));
  const answer = put(document).then(
    ({ status }) => status,
    () => 'no answer' as const,
  );
  // Killed once the first batches of the import are on disk: a tenth of what it writes.
  await until('the import written in part', () => storeBytes() > bytes + 400_000, 60_000);
  await service.kill9();
  service = await spawnService({ ...env, DATA_DIR: dataDir });

  const after = await state();
  const expected = (await answer) === 200 ? JSON.stringify(Object.entries(document.namespaces)) : before; // answered: it finished first
  // How many certificates and slots each namespace holds says what went wrong; then every byte.
  expect(counts(after)).toEqual(counts(expected));
  expect(after).toBe(expected);
}, 120_000);
