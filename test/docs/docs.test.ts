import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAGS } from '../../lib/local/command.js';
import type { LocalService } from '../../lib/local/service.js';
import { startTestService } from '../support/service.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (page: string): string => readFileSync(join(root, page), 'utf8');

/** The endpoint the README's examples are written for; the tests put their own service's URL in its place. */
const README_ENDPOINT = 'http://127.0.0.1:3000';

/** Markdown with fenced code blocks blanked out, so neither their links nor their `#` lines count. */
const withoutFences = (markdown: string): string => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');

/**
 * The anchors GitHub gives a page's headings (github-slugger: the heading's text, lower-cased, with
 * everything but letters, digits, `_`, `-` and spaces dropped, spaces made `-`; `-1`, `-2` for repeats),
 * and any `id` or `name` given in HTML.
 */
const anchorsOf = (markdown: string): Set<string> => {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's or image's text
      .replace(/<[^>]+>/g, '') // inline HTML
      .replace(/[*`]/g, ''); // emphasis and code marks
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
};

/** Every relative link of `page` (outside code) whose file or anchor does not exist, as `page: target`. */
const brokenLinks = (page: string, markdown: string, readPage: (path: string) => string | undefined): string[] => {
  const prose = withoutFences(markdown).replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const [, target] of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto: ...: not checked offline
    const [path = '', anchor] = target!.split('#');
    const file = path === '' ? page : relative(root, resolve(root, dirname(page), decodeURIComponent(path)));
    const text = file === page ? markdown : readPage(file);
    if (text === undefined) broken.push(`${page}: ${target} (no file ${file})`);
    else if (anchor !== undefined && !file.endsWith('.md')) broken.push(`${page}: ${target} (an anchor into a file that is not Markdown)`);
    else if (anchor !== undefined && !anchorsOf(text).has(decodeURIComponent(anchor)))
      broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
  }
  return broken;
};

const readFromRepository = (path: string): string | undefined => {
  const full = join(root, path);
  if (!existsSync(full)) return undefined;
  return full.endsWith('.md') ? readFileSync(full, 'utf8') : '';
};

/** The fenced code block right after `<!-- test: name -->` in the README. */
const markedBlock = (name: string): string => {
  const found = read('README.md').match(new RegExp(`<!-- test: ${name} -->\\s*\\n\`\`\`[^\\n]*\\n([\\s\\S]*?)\\n\`\`\`\\s*$`, 'm'));
  if (found === null) throw new Error(`README.md has no fenced block after <!-- test: ${name} -->`);
  return found[1]!;
};

/** The block as written, only the endpoint changed to `url`. */
const pointedAt = (block: string, url: string): string => {
  expect(block).toContain(README_ENDPOINT);
  return block.replaceAll(README_ENDPOINT, url);
};

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> =>
  new Promise((done) => {
    execFile(file, args, { timeout: 90_000, ...options }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as NodeJS.ErrnoException).code;
      done({ exitCode: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });

describe('links in README.md and docs/', () => {
  test.each(pages)('every relative link and anchor in %s resolves', (page) => {
    expect(brokenLinks(page, read(page), readFromRepository)).toEqual([]);
  });

  test.each([...pages, 'test/README.md'])('every repository path %s names in code marks exists', (page) => {
    // Paths written as `lib/...` rather than linked: a file moved or renamed must not leave them stale.
    const named = [...read(page).matchAll(/`((?:bench|bin|docs|lambda|lib|test|api|\.ci)\/[\w./-]*\w)`/g)].map(([, path]) => path!);
    expect(named.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  test('the README links to every page of docs/', () => {
    const linked = new Set([...withoutFences(read('README.md')).matchAll(/\]\((docs\/[^)#\s]+)/g)].map(([, path]) => path));
    expect(pages.filter((page) => page.startsWith('docs/') && !linked.has(page))).toEqual([]);
  });

  test('the checker reports a missing file and a missing anchor, and takes GitHub slugs', () => {
    const page = [
      '# The control plane: `/_local/`',
      '## Accounts and regions',
      '## Accounts and regions',
      '```sh',
      '# not a heading',
      '```',
      '[ok](#the-control-plane-_local) [ok](#accounts-and-regions-1) [ok](docs/fidelity.md#how-it-differs-from-api-gateway)',
      '[bad](#not-a-heading) [bad](docs/none.md) [bad](docs/fidelity.md#nowhere) `[code](nowhere.md)`',
    ].join('\n');
    expect(brokenLinks('README.md', page, readFromRepository)).toEqual([
      'README.md: #not-a-heading (no heading #not-a-heading in README.md)',
      'README.md: docs/none.md (no file docs/none.md)',
      'README.md: docs/fidelity.md#nowhere (no heading #nowhere in docs/fidelity.md)',
    ]);
  });
});

describe('docs/local-service.md', () => {
  const settingsTable = read('docs/local-service.md').split('\n## ')[1]!;

  test('names every flag of the command and every variable and option the local service reads', () => {
    const variables = [...read('lib/local/settings.ts').matchAll(/(?:env\.|env\[|\(env, ')([A-Z][A-Z0-9_]+)/g)].map(([, name]) => name!);
    const options = read('lib/local/service.ts')
      .match(/export interface LocalServiceOptions \{([\s\S]*?)\n\}/)![1]!
      .matchAll(/readonly (\w+)\?:/g);
    const named = [
      ...FLAGS.flatMap(([flag, variable]) => [`\`--${flag}\``, `\`${variable}\``]),
      ...variables.map((name) => `\`${name}\``),
      ...[...options].map(([, option]) => `\`${option}`),
    ];
    expect(named.filter((name) => !settingsTable.includes(name))).toEqual([]);
  });
});

/**
 * The README's examples, run as a reader would paste them, against a service of the test's own.
 * The AWS CLI v2 is Debian's /usr/bin/aws (AWS_CLI overrides); without it the session is skipped
 * with a warning, except under CI, where a missing CLI must fail.
 */
describe('the README run as written', () => {
  const cli = process.env.AWS_CLI || '/usr/bin/aws';
  const cliMissing = !existsSync(cli);
  if (cliMissing && !process.env.CI)
    console.warn(`\n!!! No AWS CLI at ${cli}: the README's CLI session is SKIPPED (apt-get install -y awscli).\n`);
  const testIfCli = cliMissing && !process.env.CI ? test.skip : test;

  let service: LocalService;
  let scratch: string;
  beforeAll(async () => {
    service = await startTestService();
    // Inside the repository, so that the SDK snippet resolves this project's node_modules.
    scratch = mkdtempSync(join(root, '.docs-test-'));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await service.close();
  });

  const get = (path: string) => fetch(`${service.url}${path}`, { headers: { accept: 'application/json' } });

  testIfCli(
    'the AWS CLI session: generate, update, list, tag, untag, get tags, delete, then a 404',
    async () => {
      expect(existsSync(cli)).toBe(true); // under CI, a missing CLI fails here
      // `aws` on PATH is the v2 CLI; no region, credentials or configuration come from outside the session.
      const bin = join(scratch, 'bin');
      rmSync(bin, { recursive: true, force: true });
      mkdirSync(bin);
      symlinkSync(cli, join(bin, 'aws'));
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: scratch,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
      };

      const { stdout, stderr } = await run('bash', ['-c', pointedAt(markedBlock('cli-session'), service.url)], { env, cwd: scratch });

      const [id, renamed, listed, ...tags] = stdout.trimEnd().split('\n');
      expect(id).toMatch(/^[a-z0-9]{6,}$/);
      expect(renamed).toBe('renamed');
      expect(listed).toBe(`${id}\trenamed`);
      expect(JSON.parse(tags.join('\n'))).toEqual({ tags: { team: 'blue', stage: 'dev' } });
      // The one error is the last command's, as the README shows it.
      const lastComment = markedBlock('cli-session').trimEnd().split('\n').at(-1)!.replace(/^#\s*/, '');
      expect(stderr.trim()).toBe(lastComment);
      expect((await get(`/clientcertificates/${id}`)).status).toBe(404);
    },
    120_000,
  );

  const curlPresent = (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, 'curl')));
  if (!curlPresent) console.warn("\n!!! No curl on PATH: the README's signed curl request is SKIPPED.\n");

  (curlPresent ? test : test.skip)(
    'the signed curl request, against a service checking signatures for the key pair in the environment',
    async () => {
      const credentials = { accessKeyId: 'AKIDDOCSTEST', secretAccessKey: 'docs-test-secret' };
      const signed = await startTestService({ sigv4: { credentials } });
      try {
        const env = {
          PATH: process.env.PATH,
          HOME: scratch,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        };
        const block = pointedAt(markedBlock('curl-sigv4'), signed.url);
        expect(await run('bash', ['-c', block], { env, cwd: scratch })).toEqual({ exitCode: 0, stdout: '{"item":[]}', stderr: '' });
        // The same request unsigned is refused, so the signature is what let it in.
        const unsigned = block.replace(/--aws-sigv4 .*$/m, '');
        expect(await run('bash', ['-c', unsigned], { env, cwd: scratch })).toMatchObject({
          stdout: '{"message":"Missing Authentication Token"}',
        });
      } finally {
        await signed.close();
      }
    },
  );

  test('the SDK snippet, saved as a .mjs file and run with node, prints the renamed certificate and deletes it', async () => {
    const file = join(scratch, 'demo.mjs');
    writeFileSync(file, pointedAt(markedBlock('sdk-snippet'), service.url));

    const { exitCode, stdout, stderr } = await run(process.execPath, [file], {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: scratch },
    });

    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    const [, id] = stdout.match(/^([a-z0-9]+) renamed\n$/) ?? [];
    expect(id).toBeDefined();
    expect((await get(`/clientcertificates/${id}`)).status).toBe(404);
  }, 60_000);
});
