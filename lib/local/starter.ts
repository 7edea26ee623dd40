import { readFileSync } from 'node:fs';

/**
 * Processes that only launch the command and wait for it: `npx`, `npm exec`, `npm run` (titled
 * `npm ...` by npm itself) and the shells they, and harnesses, run it through. None of them
 * passes its own parent's death on: `npx` under a test runner killed with SIGKILL waits on, and
 * so would the service.
 */
const isLauncher = (name: string): boolean => ['sh', 'dash', 'bash', 'zsh', 'npm', 'npx'].includes(name) || name.startsWith('npm ');

/** What Linux's `/proc` says of process `pid`: its command name and its parent; `undefined` elsewhere. */
const processOf = (pid: number): { name: string; parent: number } | undefined => {
  try {
    // "pid (name) state ppid ...": the name may hold spaces and parentheses; the last ") " ends it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') '));
    return { name, parent: Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
};

/**
 * Whether the process that started this one has died: this process's parent, or any launcher
 * between it and the process that ran the launchers, has a new parent (the orphan's new parent is
 * init, or a subreaper). Read at once, before whoever started this process may be gone; on a
 * system without `/proc`, this process's own parent only.
 */
export const starterWatch = (): (() => boolean) => {
  const links: { pid: number; parent: number }[] = [{ pid: process.pid, parent: process.ppid }];
  for (let pid = process.ppid, seen = 0; seen < 16; seen++) {
    const launcher = processOf(pid);
    if (launcher === undefined || !isLauncher(launcher.name) || launcher.parent <= 1) break;
    links.push({ pid, parent: launcher.parent });
    pid = launcher.parent;
  }
  return () => links.some(({ pid, parent }) => (pid === process.pid ? process.ppid : processOf(pid)?.parent) !== parent);
};

/** Services of this process to close should its parent go, if it is a forked worker; see `closeWithParent`. */
const closers = new Set<() => void>();

/**
 * Calls `close` when this process is a forked worker (jest's, vitest's, mocha's) and its parent dies:
 * the IPC channel closes, and nothing else would end a worker whose service still listens. Nothing in
 * a process without a channel; it dies with whoever hosts it. Returns what forgets `close`.
 */
export const closeWithParent = (close: () => void): (() => void) => {
  if (process.send === undefined) return () => undefined;
  // Forked, but the channel closed before this service began to watch it: the parent died while the
  // worker was starting (a worker was seen serving on 80 minutes later), and no 'disconnect' will
  // come. A closed channel means what it means once the service watches it: the parent is gone.
  // `connected` false, not merely absent: jest running a file in its own process (one file, `-i`)
  // hands the test a `process` with a `send` but no `connected`, and no channel to lose.
  if (process.connected === false) {
    setImmediate(close);
    return () => undefined;
  }
  if (closers.size === 0) process.once('disconnect', closeAll);
  closers.add(close);
  return () => {
    closers.delete(close);
    if (closers.size === 0) process.off('disconnect', closeAll);
  };
};

const closeAll = () => {
  for (const close of [...closers]) close();
  closers.clear();
};
