import { readdirSync, readFileSync } from 'node:fs';

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

/** The live child processes of `parent` at the lowest scheduling priority (nice 19): its key pools' generators. */
export const lowestPriorityChildren = (parent = process.pid): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const fields = stat(pid);
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === parent && fields[16] === '19';
    });
