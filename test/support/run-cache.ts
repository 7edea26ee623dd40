import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What is the same for every test run, made once and kept between runs for as long as node_modules
 * lasts (`npm ci` starts it afresh): the packed package, the two Node versions the package suite
 * installs, the stack bundled as `cdk synth` bundles it. Each costs 15 to 70 s of CPU to make.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The cache's folder for one kind of thing, made if missing. What a run killed while making it left
 * aside is removed once no run could still be making it: `keep` never touches such folders, and one
 * install of the Node versions is some 300 MB.
 */
export const cacheDir = (name: string): string => {
  const dir = join(repoRoot, 'node_modules/.cache/client-certificate-api-tests', name);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir).filter((entry) => entry.startsWith(ASIDE))) {
    const path = join(dir, entry);
    if (Date.now() - statSync(path).mtimeMs > ABANDONED_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
  return dir;
};

/** Far longer than any build takes on a saturated machine (the longest, a pack, some minutes). */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * A hash of everything a build is made of: the contents of every file git would commit but the tests
 * (and the test files named, which take part in the build). An edit to the sources, the lockfile or
 * a setting makes a new key; an edit to a test does not. Outside a git checkout there is no key, and
 * the caller builds every run.
 */
export const sourcesKey = (testFiles: string[] = []): string | undefined => {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  if (listed.status !== 0) return undefined;
  const files = listed.stdout.split('\0').filter((path) => path !== '' && (!path.startsWith('test/') || testFiles.includes(path)));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    const path = join(repoRoot, file);
    if (existsSync(path)) hash.update(file).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
};

/** A folder in the cache to make something in, out of sight of runs reading the cache. */
export const aside = (dir: string): string => mkdtempSync(join(dir, ASIDE));
const ASIDE = '.making-';

/**
 * The entry `name` of the cache's folder `dir`, when it is there, marked as used now: `keep` removes
 * only entries no run has used for an hour, so that a run reading one is not left without it by
 * another run (of other sources, in the same checkout) keeping its own.
 */
export const cached = (dir: string, name: string): string | undefined => {
  const place = join(dir, name);
  if (!existsSync(place)) return undefined;
  const now = new Date();
  utimesSync(place, now, now);
  return place;
};

/**
 * Moves what was made aside into its place in the cache and removes the folder's entries no run has
 * used for an hour; another run that got there first made the same thing, so its copy is kept.
 */
export const keep = (made: string, dir: string, name: string): string => {
  const place = join(dir, name);
  for (const old of readdirSync(dir).filter((entry) => entry !== name && !entry.startsWith(ASIDE))) {
    const path = join(dir, old);
    if (Date.now() - statSync(path).mtimeMs > ABANDONED_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
  try {
    renameSync(made, place);
  } catch (error) {
    if (!existsSync(place)) throw error;
    rmSync(made, { recursive: true, force: true });
  }
  return cached(dir, name)!;
};
