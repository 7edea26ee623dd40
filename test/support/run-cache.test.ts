import { existsSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { aside, cacheDir } from './run-cache.js';

const name = `run-cache-test-${process.pid}`;
afterAll(() => rmSync(cacheDir(name), { recursive: true, force: true }));

test('what a killed run left aside is removed once it is an hour old, and a folder being made now is kept', () => {
  const dir = cacheDir(name);
  const abandoned = aside(dir);
  mkdirSync(join(abandoned, 'node_modules'));
  const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  utimesSync(abandoned, twoHoursAgo, twoHoursAgo);
  const making = aside(dir);

  expect(cacheDir(name)).toBe(dir);

  expect(existsSync(abandoned)).toBe(false);
  expect(existsSync(making)).toBe(true);
  expect(dirname(making)).toBe(dir);
});
