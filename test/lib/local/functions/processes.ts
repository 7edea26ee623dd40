import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';

/** The fields of Linux's /proc/<pid>/stat after the command's closing parenthesis: the state first. */
const stat = (pid: number): string[] | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
};

/** Whether `pid` is a live process (a zombie is not). */
export const alive = (pid: number): boolean => {
  const state = stat(pid)?.[0];
  return state !== undefined && state !== 'Z';
};

/** The priority (nice value) of `pid`'s thread that generates keys: libuv's, by its name. */
export const generatingThreadPriority = (pid: number): number | undefined => {
  const thread = readdirSync(`/proc/${pid}/task`).find(
    (id) => readFileSync(`/proc/${pid}/task/${id}/comm`, 'utf8').trim() === 'libuv-worker',
  );
  return thread === undefined ? undefined : getPriority(Number(thread));
};

/** Whether a thread of `pid` runs at the lowest scheduling priority (nice 19). */
const hasLowestPriorityThread = (pid: number): boolean => {
  try {
    return readdirSync(`/proc/${pid}/task`).some((id) => {
      const text = readFileSync(`/proc/${pid}/task/${id}/stat`, 'utf8');
      return text.slice(text.lastIndexOf(') ') + 2).split(' ')[16] === '19';
    });
  } catch {
    return false; // gone
  }
};

/** The live child processes of `parent` with a thread at the lowest priority: its key pools' generators. */
export const lowestPriorityChildren = (parent = process.pid): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const fields = stat(pid);
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === parent && hasLowestPriorityThread(pid);
    });
