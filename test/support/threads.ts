import { readdirSync, readFileSync } from 'node:fs';

/** This process's threads running at the lowest scheduling priority (nice 19), by their ids; Linux only. */
export const lowestPriorityThreads = (): string[] =>
  readdirSync('/proc/self/task').filter((thread) => {
    try {
      // The fields after the command's closing parenthesis: the state is the first, nice the seventeenth.
      return readFileSync(`/proc/self/task/${thread}/stat`, 'utf8').split(') ')[1]!.split(' ')[16] === '19';
    } catch {
      return false; // the thread ended while being read
    }
  });

/** Resolves once `condition` holds, looking every 10 ms. */
export const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((pause) => setTimeout(pause, 10));
};
