import { existsSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { aside, cacheDir, cached, keep } from './run-cache.js';

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

test('keeping a new entry removes only those no run has used for an hour: one another run is reading stays', () => {
  const dir = cacheDir(name);
  const make = (entry: string) => {
    const made = aside(dir);
    mkdirSync(join(made, 'contents'));
    return keep(made, dir, entry);
  };
  const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  const unused = make('unused');
  utimesSync(unused, twoHoursAgo, twoHoursAgo);
  const inUse = make('in-use');
  utimesSync(inUse, twoHoursAgo, twoHoursAgo);
  expect(cached(dir, 'in-use')).toBe(inUse); // another run reads it now

  make('newest');

  expect(existsSync(unused)).toBe(false);
  expect(existsSync(join(inUse, 'contents'))).toBe(true);
  expect(cached(dir, 'newest')).toBe(join(dir, 'newest'));
  expect(cached(dir, 'unused')).toBeUndefined();
});
