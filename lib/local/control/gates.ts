/**
 * Reset and state replacement are exclusive, invocations shared: a reset waits for the invocations
 * under way to finish, and holds new ones until it is done, so that each request sees the state
 * from before or from after, never a half-reset one.
 */
export class Gate {
  private active = 0;
  private exclusive: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive !== undefined) await this.exclusive;
    this.active++;
    try {
      return await work();
    } finally {
      if (--this.active === 0) this.drained?.();
    }
  }

  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive !== undefined) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise((done) => (release = done));
    try {
      while (this.active > 0) await new Promise<void>((done) => (this.drained = done));
      return await work();
    } finally {
      this.drained = undefined;
      this.exclusive = undefined;
      release();
    }
  }
}

/**
 * A gate per namespace (`<account>#<region>`), made when first used and dropped when nobody holds or
 * waits for it: a control request on one namespace holds that namespace's requests only, so one test
 * worker's reset never stalls another's calls.
 */
export class Gates {
  private readonly byNamespace = new Map<string, { readonly gate: Gate; users: number }>();

  /** An invocation in `namespace`: alongside the others, never during control work on its namespace. */
  shared<T>(namespace: string, work: () => Promise<T>): Promise<T> {
    return this.using(namespace, (gate) => gate.shared(work));
  }

  /**
   * Control work on `namespaces`, alone in each. The gates are taken in one order (sorted), so two
   * pieces of work on overlapping namespaces cannot each hold one the other waits for.
   */
  exclusively<T>(namespaces: readonly string[], work: () => Promise<T>): Promise<T> {
    const [first, ...rest] = [...new Set(namespaces)].sort();
    if (first === undefined) return work();
    return this.using(first, (gate) => gate.exclusively(() => this.exclusively(rest, work)));
  }

  /** The namespaces whose gates are held or waited for now: those with requests under way. */
  inUse(): string[] {
    return [...this.byNamespace.keys()];
  }

  private async using<T>(namespace: string, use: (gate: Gate) => Promise<T>): Promise<T> {
    let entry = this.byNamespace.get(namespace);
    if (entry === undefined) {
      entry = { gate: new Gate(), users: 0 };
      this.byNamespace.set(namespace, entry);
    }
    entry.users++;
    try {
      return await use(entry.gate);
    } finally {
      if (--entry.users === 0) this.byNamespace.delete(namespace);
    }
  }
}

/** Control work refused because as much is already under way and waiting. */
export class ControlBusy extends Error {
  override readonly name = 'ControlBusy';
}

/**
 * Runs at most `slots` pieces of work at once. The rest wait, at most `maxWaitingEach` of one
 * account (or namespace) and `maxWaiting` in all (past that, refused), and take their turns account by
 * account in rotation: one worker's flood of resets neither refuses nor holds back another's one call for long.
 */
export const fairLimit = (slots: number, maxWaitingEach: number, maxWaiting: number) => {
  let running = 0;
  let waiting = 0;
  // In rotation order: an owner served goes to the back of the line, if it still waits.
  const queues = new Map<string, (() => void)[]>();
  const next = (): void => {
    const first = queues.entries().next();
    if (first.done) {
      running--;
      return;
    }
    const [owner, queue] = first.value;
    queues.delete(owner);
    const start = queue.shift()!;
    waiting--;
    if (queue.length > 0) queues.set(owner, queue);
    start(); // the slot passes straight to it
  };
  return async <T>(owner: string, work: () => Promise<T>): Promise<T> => {
    if (running >= slots) {
      const queue = queues.get(owner) ?? [];
      if (queue.length >= maxWaitingEach || waiting >= maxWaiting)
        throw new ControlBusy(
          `${slots} control requests are under way and ${queue.length >= maxWaitingEach ? `${queue.length} of this account` : waiting} wait: retry later`,
        );
      if (queue.length === 0) queues.set(owner, queue);
      waiting++;
      await new Promise<void>((start) => queue.push(start));
    } else running++;
    try {
      return await work();
    } finally {
      next();
    }
  };
};
