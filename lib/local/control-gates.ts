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
