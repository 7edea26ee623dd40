import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingError } from '../../../lib/local/settings.js';
import { checkStartUp, startUpFailure } from '../../../lib/local/start-up.js';

/**
 * What `npm start` checks before it starts anything, and the one line it ends with when a setting
 * cannot work, on the real failures: a port really taken, a name that really does not resolve, a
 * store directory really locked by LevelDB.
 */

let scratch: string;
let holder: Server;
let takenPort: number;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'start-up-test-'));
  holder = createServer();
  await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
  takenPort = (holder.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((closed) => holder.close(closed));
  rmSync(scratch, { recursive: true, force: true });
});

/** The failure `checkStartUp` ends with, as `npm start` would print it. */
const failureOf = async (settings: Partial<Parameters<typeof checkStartUp>[0]>): Promise<string | undefined> => {
  try {
    await checkStartUp({ port: 0, host: '127.0.0.1', dataDir: 'memory', ...settings });
  } catch (error) {
    return startUpFailure(error) ?? `not explained: ${String(error)}`;
  }
  return undefined;
};

/** The LevelDB that dynalite opens, holding `path` open as a running service's store does. */
const openStore = async (path: string): Promise<{ close(): Promise<void> }> => {
  const dynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = dynalite('level') as { Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> } };
  const db = new Level(path);
  await db.open();
  return db;
};

describe('checkStartUp and startUpFailure', () => {
  test('a port in use is PORT, named with the address', async () => {
    expect(await failureOf({ port: takenPort })).toBe(
      `PORT ${takenPort} is in use on 127.0.0.1: stop what listens there, or set PORT to another port (0: any free port)`,
    );
  });

  test('a host name that does not resolve is HOST', async () => {
    // .invalid never resolves (RFC 6761); without a resolver at all the lookup fails with EAI_AGAIN.
    expect(await failureOf({ port: takenPort, host: 'nosuch.invalid' })).toMatch(
      /^HOST "nosuch.invalid" does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\): set HOST to an address of this machine \(unset: 127.0.0.1\)$/,
    );
  });

  test("an address that is not this machine's is HOST", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737), never assigned to a host.
    expect(await failureOf({ port: takenPort, host: '192.0.2.1' })).toBe(
      'HOST "192.0.2.1" is not an address of this machine: set HOST to an address of this machine (unset: 127.0.0.1)',
    );
  });

  test('a privileged port this user may not take is PORT', () => {
    // Produced by listen(2) for a port under 1024 without the privilege; the tests may run as root, so it is written out.
    const error = Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:80'), {
      code: 'EACCES',
      syscall: 'listen',
      address: '127.0.0.1',
      port: 80,
    });

    expect(startUpFailure(error)).toBe('PORT 80 needs privileges this user does not have: set PORT to another port (0: any free port)');
  });

  test('a DATA_DIR that is a file, or under one, is DATA_DIR', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');

    expect(await failureOf({ dataDir: file })).toBe(
      `DATA_DIR "${file}" cannot hold the store (EEXIST: file already exists, mkdir '${file}'): set DATA_DIR to another directory, or memory to keep nothing on disk`,
    );
    expect(await failureOf({ dataDir: join(file, 'store') })).toMatch(
      new RegExp(
        `^DATA_DIR "${file}/store" cannot hold the store \\(ENOTDIR: not a directory, mkdir .*\\): set DATA_DIR to another directory, or memory to keep nothing on disk$`,
      ),
    );
  });

  test('a DATA_DIR holding other files is refused before LevelDB writes among them', async () => {
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'README.md'), '# mine');

    expect(await failureOf({ dataDir: project })).toBe(
      `DATA_DIR "${project}" holds files that are not a store: set DATA_DIR to a new or empty directory, or memory`,
    );
  });

  test('a new directory, an empty one and an existing store are all taken, and left closed', async () => {
    const store = join(scratch, 'store');

    expect(await failureOf({ dataDir: join(scratch, 'new', 'deeper') })).toBeUndefined();
    expect(await failureOf({ dataDir: store })).toBeUndefined(); // new: becomes a store
    expect(await failureOf({ dataDir: store })).toBeUndefined(); // a store: taken again
    await (await openStore(store)).close(); // not left locked by the check
  });

  test('a DATA_DIR another running service holds is DATA_DIR, in use', async () => {
    const store = join(scratch, 'held');
    const running = await openStore(store);
    try {
      expect(await failureOf({ dataDir: store })).toBe(
        `DATA_DIR "${store}" is in use by another running service: stop that one, or set DATA_DIR to another directory, or memory to keep nothing on disk`,
      );
    } finally {
      await running.close();
    }
  });

  test('a setting refused is its own line; a failure no setting explains is not explained', () => {
    expect(startUpFailure(new SettingError('PORT must be a port number'))).toBe('PORT must be a port number');
    expect(startUpFailure(new Error('boom'))).toBeUndefined();
    expect(startUpFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }))).toBeUndefined();
  });
});
