import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_PAYLOAD_BYTES } from '../../lib/local/front/http-api.js';
import type { ChildService } from '../support/child-service.js';
import { spawnService } from '../support/child-service.js';
import { send } from '../support/http.js';

/**
 * `npm start` (bin/local.ts under tsx, in a child process) given a setting that cannot work: it
 * ends at once with a non-zero exit and ONE line on stderr naming the setting, no stack trace, and
 * nothing listening on the port it was given.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/**
 * A start that is not refused is stopped once it says it is listening; this bounds one that neither
 * ends nor listens. A refusal comes before anything starts, but tsx and the imports took over 5 s to
 * get there while four suites shared two busy cores, and over 30 s with the cores saturated.
 */
const EXIT_DEADLINE_MS = 90_000;

interface Ended {
  /** The exit code; `null` when it was killed: it listened, or had not ended by the deadline. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `script` as `npm start` runs bin/local.ts, with `env` over a working loopback set-up, until it
 * ends; `shellArgs`, its arguments in bash's syntax (`--seed-file <(...)`).
 */
const runToEnd = (env: Record<string, string>, script = 'bin/local.ts', args: string[] = [], shellArgs?: string): Promise<Ended> =>
  new Promise((resolve) => {
    const node = [process.execPath, '--import', 'tsx', script, ...args];
    const [command, ...commandArgs] = shellArgs === undefined ? node : ['bash', '-c', `exec "$@" ${shellArgs}`, 'bash', ...node];
    const child = spawn(command!, commandArgs, {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        DATA_DIR: 'memory',
        AWS_REGION: 'us-east-1',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('listening on')) kill();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(kill, EXIT_DEADLINE_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: killed ? null : code, stdout, stderr });
    });
  });

const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
};

const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Asserts `npm start` with `env` refused to start, in one line that begins with `setting`; returns the line. */
const expectRefusal = async (env: Record<string, string>, setting: string, port?: number, shellArgs?: string): Promise<string> => {
  const listenOn = port ?? (await freePort());

  const ended = await runToEnd({ PORT: String(listenOn), ...env }, undefined, undefined, shellArgs);

  expect(ended.stdout).not.toContain('listening on');
  expect(ended.code).not.toBeNull(); // it ended by itself
  expect(ended.code).not.toBe(0);
  const lines = ended.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${setting} `));
  expect(ended.stderr).not.toMatch(/^\s+at /m);
  if (port === undefined) expect(await isListening(listenOn)).toBe(false);
  return lines[0]!;
};

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'start-up-refusals-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm start refuses a setting that cannot work, in one line', () => {
  test('HOST= (empty) is refused, not taken for every interface', async () => {
    expect(await expectRefusal({ HOST: '' }, 'HOST')).toContain('got ""');
  });

  test('DATA_DIR= (empty) is refused, and nothing is written to the working directory', async () => {
    expect(await expectRefusal({ DATA_DIR: '' }, 'DATA_DIR')).toContain('got ""');
    expect(existsSync(join(repoRoot, 'CURRENT'))).toBe(false);
    expect(existsSync(join(repoRoot, 'LOCK'))).toBe(false);
  });

  test('a start refused for a setting loads not one module of the AWS SDK', async () => {
    const watcher = new URL('../support/loaded-modules.mjs', import.meta.url).href;

    const ended = await runToEnd({ PORT: '0x50a', NODE_OPTIONS: `--import=${watcher}` });

    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/^PORT /);
    expect(ended.stderr).toContain('main thread loaded 0 AWS SDK modules');
  });

  test('PORT=0x50a is refused: decimal digits only', async () => {
    expect(await expectRefusal({ PORT: '0x50a' }, 'PORT')).toContain('got "0x50a"');
  });

  test('a bad CLIENT_CERTIFICATE_QUOTA is refused before the handlers read it', async () => {
    expect(await expectRefusal({ CLIENT_CERTIFICATE_QUOTA: 'abc' }, 'CLIENT_CERTIFICATE_QUOTA')).toContain('got "abc"');
  });

  test('a HOST that does not resolve is named', async () => {
    expect(await expectRefusal({ HOST: 'nosuch.invalid' }, 'HOST')).toContain('does not resolve');
  });

  test('a DATA_DIR that is a file is named', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');

    expect(await expectRefusal({ DATA_DIR: file }, 'DATA_DIR')).toContain('cannot hold the store (EEXIST');
  });

  test('a DATA_DIR that is a symbolic link to nothing is named', async () => {
    const link = join(scratch, 'dangling');
    symlinkSync(join(scratch, 'nowhere', 'store'), link);

    expect(await expectRefusal({ DATA_DIR: link }, 'DATA_DIR')).toContain('cannot hold the store (ENOENT');
  });

  test('a DATA_DIR that a directory which exists cannot hold (under /proc) is named, not spun on', async () => {
    expect(await expectRefusal({ DATA_DIR: '/proc/no-such-store/data' }, 'DATA_DIR')).toContain('cannot hold the store (ENOENT');
  });

  test.each(['--seed-file', '--faults-file'])('%s given a pipe of more than 10 MiB is refused once that much is read', async (flag) => {
    const line = await expectRefusal(
      {},
      flag === '--seed-file' ? 'SEED_FILE' : 'FAULTS_FILE',
      undefined,
      `${flag} <(head -c 20000000 /dev/zero)`,
    );

    expect(line).toContain(`larger than ${MAX_PAYLOAD_BYTES} bytes`);
  });

  test('a PORT in use is named, and what holds it is left alone', async () => {
    const holder = createServer((socket) => socket.end());
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    const { port } = holder.address() as AddressInfo;
    try {
      expect(await expectRefusal({}, 'PORT', port)).toBe(
        `PORT ${port} is in use on 127.0.0.1: stop what listens there, or set PORT to another port (0: any free port)`,
      );
      expect(await isListening(port)).toBe(true);
    } finally {
      await new Promise((closed) => holder.close(closed));
    }
  });

  describe('with a service running on a DATA_DIR', () => {
    let first: ChildService;
    const dataDir = (): string => join(scratch, 'shared-store');

    beforeAll(async () => {
      first = await spawnService({ DATA_DIR: dataDir(), POWERTOOLS_LOG_LEVEL: 'SILENT' });
    });

    afterAll(async () => {
      await first?.stop();
    });

    test('a second service on it is refused, naming DATA_DIR in use, and the first keeps serving', async () => {
      expect(await expectRefusal({ DATA_DIR: dataDir() }, 'DATA_DIR')).toContain('is in use by another running service');
      expect((await send(first.url, { method: 'GET', path: '/clientcertificates' })).status).toBe(200);
    });
  });

  test(
    'a start that fails to listen leaves nothing behind: the process ends by itself',
    async () => {
      const ended = await runToEnd({}, 'test/support/failed-start.ts', [join(scratch, 'failed-start')]);

      expect(ended.stdout).toContain('refused EADDRINUSE');
      expect(ended.code).toBe(0);
    },
    2 * EXIT_DEADLINE_MS,
  );
});

test('SEED_FILE and FAULTS_FILE given as pipes (<(...)) are each read once: the service starts seeded, with the rules in force', async () => {
  const seed = {
    namespaces: { '000000000000#us-east-1': { certificates: [], quotaSlots: [{ index: 3, owner: 'lftovr', claimedAt: 1 }] } },
  };
  const rules = [{ operations: ['GetTags'], action: { answerLost: true } }];
  const child = spawn(
    'bash',
    [
      '-c',
      `exec "$@" --seed-file <(echo '${JSON.stringify(seed)}') --faults-file <(echo '${JSON.stringify(rules)}')`,
      'bash',
      process.execPath,
      '--import',
      'tsx',
      'bin/local.ts',
    ],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: 'memory', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const listening = /listening on (http:\/\/\S+)/.exec(stdout);
        if (listening) resolve(listening[1]!);
      });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      // A pipe opened a second time waits for a writer that is gone: the start would hang.
      setTimeout(() => reject(new Error(`not listening within 50 s: ${stderr}`)), 50_000).unref();
    });

    expect((await send(url, { path: '/_local/state' })).json).toEqual(seed);
    expect((await send(url, { path: '/_local/faults' })).json).toMatchObject({ rules: [rules[0]] });
  } finally {
    // A child that already exited (a failed start) has nothing left to wait for.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('close', done));
      child.kill('SIGTERM');
      await exited;
    }
  }
});
