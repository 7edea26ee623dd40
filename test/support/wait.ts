const POLL_MS = 20;

/**
 * Resolves once `condition()` holds, checked every few milliseconds; rejects naming `what` was awaited
 * if it does not hold within `withinMs`. For waits on a state (a log line, a file, a count), so a test
 * takes as long as the machine needs, not a fixed sleep sized for a busy day.
 */
export const until = async (what: string, condition: () => boolean, withinMs = 10_000): Promise<void> => {
  for (const deadline = Date.now() + withinMs; !condition(); await new Promise((poll) => setTimeout(poll, POLL_MS))) {
    if (Date.now() > deadline) throw new Error(`waited ${withinMs} ms for ${what}`);
  }
};
