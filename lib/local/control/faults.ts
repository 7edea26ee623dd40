import { isClientCertificateId } from '../../../lambda/domain/client-certificate.js';
import type { ErrorType } from '../../../lambda/domain/errors.js';
import { MAX_ECHOED_CHARACTERS } from '../../../lambda/domain/errors.js';
import { ERROR_STATUS } from '../../../lambda/http/responses.js';
import { errorsOf, MODELED_ERRORS } from './operation-errors.js';
import { isNamespaceKey } from './state-document.js';

/** What a fault rule does to a request it fires on. */
export type FaultAction =
  /** Answers this error instead of invoking the function: nothing is written. */
  | { readonly error: { readonly type: ErrorType; readonly status?: number; readonly message?: string } }
  /** Waits this long before invoking the function, or after it and before answering. */
  | { readonly delayMs: number; readonly when: 'before' | 'after' }
  /** Invokes the function, lets its work land, then drops the connection without an answer. */
  | { readonly answerLost: true };

/** Which of the matching requests a rule fires on. */
export type FaultSchedule =
  | { readonly next: number }
  | { readonly every: number }
  /** Each matching request with probability `probability`, drawn from a generator seeded with `seed`. */
  | { readonly probability: number; readonly seed: number };

/** A fault rule as `POST /_local/faults`, FAULTS_FILE and the `faults` option take it. */
export interface FaultRule {
  /** Operation names, as in the API Gateway model (`UpdateClientCertificate`). */
  readonly operations: readonly string[];
  /** Only requests naming this certificate. @default any */
  readonly certificateId?: string;
  /**
   * Only requests in this namespace, `<account>#<region>`, or `*` for every namespace. @default over
   * HTTP, the namespace of the request that adds the rule; from FAULTS_FILE or in-process, `*`
   */
  readonly namespace?: string;
  readonly action: FaultAction;
  /** @default { every: 1 }: every matching request */
  readonly when?: FaultSchedule;
}

/** A rule as listed: with its id, its namespace, the requests offered to it and those it fired on. */
export interface ListedFaultRule extends FaultRule {
  readonly id: string;
  readonly namespace: string;
  readonly matched: number;
  readonly hits: number;
}

/** What a request is, as far as rules select it. */
export interface FaultTarget {
  readonly operation: string;
  readonly certificateId?: string | undefined;
  readonly namespace: string;
}

/** A rule that cannot be added; the message names what is wrong. */
export class FaultRuleError extends Error {
  override readonly name = 'FaultRuleError';
}

/** The namespace of a rule that fires in every namespace. */
export const EVERY_NAMESPACE = '*';

/**
 * Rules an account may have at once, in all its regions (and `*`, every namespace, as many), and all
 * of them together: a request is offered to its namespace's rules only, so the first bounds what each
 * request costs, and the second the memory (a rule is at most about 1.5 KB). By account, so that a key
 * cannot take other workers' room by signing for region after region.
 */
export const MAX_FAULT_RULES_PER_ACCOUNT = 100;
export const MAX_FAULT_RULES = 10_000;

/** A rule past the bounds above; answered 429, as a quota is. */
export class FaultRulesFull extends Error {
  override readonly name = 'FaultRulesFull';
}

/** Checks a rule from outside (any JSON value); throws a FaultRuleError naming the first fault. */
export const parseFaultRule = (value: unknown): FaultRule => {
  const rule = record(value, 'rule');
  only(rule, 'rule', ['operations', 'certificateId', 'namespace', 'action', 'when']);
  const operations = rule.operations;
  if (!Array.isArray(operations) || operations.length === 0) fail("'operations' must be a non-empty list of operation names");
  if (new Set(operations as unknown[]).size !== (operations as unknown[]).length) fail("'operations' names an operation twice");
  for (const name of operations as unknown[]) {
    if (typeof name !== 'string' || errorsOf(name) === undefined) {
      fail(`'operations': unknown operation ${JSON.stringify(name)}; one of ${Object.keys(MODELED_ERRORS).join(', ')}`);
    }
  }
  if (rule.certificateId !== undefined && (typeof rule.certificateId !== 'string' || !isClientCertificateId(rule.certificateId)))
    fail("'certificateId' must be a certificate id: 6 characters from a-z and 0-9");
  if (
    rule.namespace !== undefined &&
    (typeof rule.namespace !== 'string' || (rule.namespace !== EVERY_NAMESPACE && !isNamespaceKey(rule.namespace)))
  ) {
    fail(`'namespace' must be '<12-digit account>#<region>', or '${EVERY_NAMESPACE}' for every namespace`);
  }
  return {
    operations: operations as string[],
    ...(rule.certificateId === undefined ? {} : { certificateId: rule.certificateId as string }),
    ...(rule.namespace === undefined ? {} : { namespace: rule.namespace as string }),
    action: parseAction(rule.action, operations as string[]),
    when: rule.when === undefined ? { every: 1 } : parseSchedule(rule.when),
  };
};

const parseAction = (value: unknown, operations: readonly string[]): FaultAction => {
  const action = record(value, "'action'");
  if ('error' in action) {
    only(action, "'action'", ['error']);
    const error = record(action.error, "'action.error'");
    only(error, "'action.error'", ['type', 'status', 'message']);
    const type = error.type as ErrorType;
    for (const operation of operations) {
      if (typeof type !== 'string' || !errorsOf(operation)!.includes(type)) {
        fail(
          `'action.error.type': ${operation} cannot answer ${JSON.stringify(type)}; it answers one of ${errorsOf(operation)!.join(', ')}`,
        );
      }
    }
    if (error.status !== undefined && error.status !== ERROR_STATUS[type])
      fail(`'action.error.status': ${type} is answered with ${ERROR_STATUS[type]}`);
    if (error.message !== undefined && (typeof error.message !== 'string' || error.message.length > MAX_ECHOED_CHARACTERS))
      fail(`'action.error.message' must be a string of at most ${MAX_ECHOED_CHARACTERS} characters`);
    return { error: { type, status: ERROR_STATUS[type], message: (error.message as string | undefined) ?? `Injected ${type}` } };
  }
  if ('delayMs' in action) {
    only(action, "'action'", ['delayMs', 'when']);
    if (!Number.isSafeInteger(action.delayMs) || (action.delayMs as number) < 0 || (action.delayMs as number) > MAX_DELAY_MS) {
      fail(`'action.delayMs' must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`);
    }
    if (action.when !== 'before' && action.when !== 'after') fail("'action.when' must be 'before' or 'after'");
    return { delayMs: action.delayMs as number, when: action.when as 'before' | 'after' };
  }
  if ('answerLost' in action) {
    only(action, "'action'", ['answerLost']);
    if (action.answerLost !== true) fail("'action.answerLost' must be true");
    return { answerLost: true };
  }
  return fail("'action' must have one of 'error', 'delayMs' or 'answerLost'");
};

/** HTTP API's own integration timeout: no answer is ever held longer. */
const MAX_DELAY_MS = 30_000;

const parseSchedule = (value: unknown): FaultSchedule => {
  const when = record(value, "'when'");
  const count = (name: string): number => {
    const n = when[name];
    if (!Number.isSafeInteger(n) || (n as number) < 1) fail(`'when.${name}' must be a whole number from 1`);
    return n as number;
  };
  if ('next' in when) {
    only(when, "'when'", ['next']);
    return { next: count('next') };
  }
  if ('every' in when) {
    only(when, "'when'", ['every']);
    return { every: count('every') };
  }
  if ('probability' in when) {
    only(when, "'when'", ['probability', 'seed']);
    const { probability, seed } = when;
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) fail("'when.probability' must be a number from 0 to 1");
    if (!Number.isSafeInteger(seed)) fail("'when.seed' must be a whole number: the same seed repeats the same pattern");
    return { probability: probability as number, seed: seed as number };
  }
  return fail("'when' must have one of 'next', 'every' or 'probability'");
};

const record = (value: unknown, what: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
};

/** Refuses members it does not know, so that a misspelt one is not silently ignored. */
const only = (value: Record<string, unknown>, what: string, known: readonly string[]): void => {
  const unknown = Object.keys(value).find((name) => !known.includes(name));
  if (unknown !== undefined) fail(`${what} has an unknown member ${JSON.stringify(unknown)}; it takes ${known.join(', ')}`);
};

const fail = (message: string): never => {
  throw new FaultRuleError(message);
};

/** mulberry32: a small PRNG whose sequence a 32-bit seed fixes, so that a seeded rule repeats exactly. */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** Whether a schedule fires on the `matched`-th request offered to its rule (counting from 1). */
const firing = (when: FaultSchedule): ((matched: number) => boolean) => {
  if ('next' in when) return (matched) => matched <= when.next;
  if ('every' in when) return (matched) => matched % when.every === 0;
  const draw = seeded(when.seed);
  return () => draw() < when.probability;
};

interface LiveRule {
  /** The order it was added in: rules are tried in it. */
  readonly seq: number;
  readonly id: string;
  readonly rule: FaultRule & { readonly namespace: string };
  readonly fires: (matched: number) => boolean;
  matched: number;
  hits: number;
}

/** Whose rule it is, as far as the bounds go: its account's (whatever the region), or every namespace's. */
const ownerOf = (namespace: string): string => namespace.split('#')[0]!;

/**
 * The rules in force, by namespace, in the order they were added. A request is offered to each rule
 * of its namespace or of every namespace in turn, and the first that fires acts on it; rules after
 * that one do not see it. A request looks at its own namespace's rules only, however many others have.
 */
export class FaultRules {
  private readonly byNamespace = new Map<string, LiveRule[]>();
  private readonly perOwner = new Map<string, number>();
  private count = 0;
  private added = 0;

  /** Adds a checked rule, in `namespace` unless it names its own; returns its id. */
  add(rule: FaultRule, namespace: string = EVERY_NAMESPACE): string {
    const placed = { ...rule, namespace: rule.namespace ?? namespace };
    const owner = ownerOf(placed.namespace);
    if (this.count >= MAX_FAULT_RULES) throw new FaultRulesFull(`The service holds ${MAX_FAULT_RULES} fault rules, its most`);
    if ((this.perOwner.get(owner) ?? 0) >= MAX_FAULT_RULES_PER_ACCOUNT)
      throw new FaultRulesFull(
        `${owner === EVERY_NAMESPACE ? 'Every namespace' : `Account ${owner}`} holds ${MAX_FAULT_RULES_PER_ACCOUNT} fault rules, its most`,
      );
    const seq = ++this.added;
    const id = `fault-${seq}`;
    const live = { seq, id, rule: placed, matched: 0, hits: 0, fires: firing(rule.when ?? { every: 1 }) };
    this.byNamespace.set(placed.namespace, [...(this.byNamespace.get(placed.namespace) ?? []), live]);
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    this.count++;
    return id;
  }

  /** The rules that fire in `namespace` (those of every namespace included), or all of them. */
  list(namespace?: string): ListedFaultRule[] {
    const lists = namespace === undefined ? [...this.byNamespace.values()] : [this.of(namespace), this.of(EVERY_NAMESPACE)];
    return lists
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .map(({ id, rule, matched, hits }) => ({ id, ...rule, matched, hits }));
  }

  /** The namespace of rule `id`, `undefined` when there is none. */
  namespaceOf(id: string): string | undefined {
    return this.find(id)?.rule.namespace;
  }

  /** Removes rule `id`, or every rule whose namespace is `namespace`, or all; returns how many went. */
  remove(which: { readonly id: string } | { readonly namespace: string } | 'all'): number {
    const doomed =
      which === 'all'
        ? [...this.byNamespace.values()].flat()
        : 'id' in which
          ? [this.find(which.id)].filter((live) => live !== undefined)
          : [...this.of(which.namespace)];
    for (const live of doomed) this.drop(live);
    return doomed.length;
  }

  /** The action of the first rule that fires on `target`, counting the hit; `undefined` when none does. */
  actionFor(target: FaultTarget): FaultAction | undefined {
    const own = this.of(target.namespace);
    const every = this.of(EVERY_NAMESPACE);
    const candidates = every.length === 0 ? own : own.length === 0 ? every : [...own, ...every].sort((a, b) => a.seq - b.seq);
    for (const live of candidates) {
      const { operations, certificateId } = live.rule;
      if (!operations.includes(target.operation)) continue;
      if (certificateId !== undefined && certificateId !== target.certificateId) continue;
      live.matched++;
      if (!live.fires(live.matched)) continue;
      live.hits++;
      return live.rule.action;
    }
    return undefined;
  }

  private drop(live: LiveRule): void {
    const { namespace } = live.rule;
    const kept = this.of(namespace).filter((other) => other !== live);
    if (kept.length > 0) this.byNamespace.set(namespace, kept);
    else this.byNamespace.delete(namespace);
    const owner = ownerOf(namespace);
    const left = (this.perOwner.get(owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(owner, left);
    else this.perOwner.delete(owner);
    this.count--;
  }

  private of(namespace: string): readonly LiveRule[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  private find(id: string): LiveRule | undefined {
    for (const rules of this.byNamespace.values()) {
      const found = rules.find((live) => live.id === id);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
