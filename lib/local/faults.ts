import { isClientCertificateId } from '../../lambda/domain/client-certificate.js';
import type { ErrorType } from '../../lambda/domain/errors.js';
import { MAX_ECHOED_CHARACTERS } from '../../lambda/domain/errors.js';
import { ERROR_STATUS } from '../../lambda/http/responses.js';
import { errorsOf, MODELED_ERRORS } from './operation-errors.js';
import { isNamespaceKey } from './state.js';

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
 * Rules a namespace (and `*`) may have at once, and all of them together: every request is offered
 * to the rules in force, so their number bounds what each request costs, and their size the memory.
 */
export const MAX_FAULT_RULES_PER_NAMESPACE = 100;
export const MAX_FAULT_RULES = 1_000;

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
  readonly id: string;
  readonly rule: FaultRule & { readonly namespace: string };
  readonly fires: (matched: number) => boolean;
  matched: number;
  hits: number;
}

/**
 * The rules in force, in the order they were added. A request is offered to each rule of its
 * namespace or of every namespace in turn, and the first that fires acts on it; rules after that one
 * do not see it.
 */
export class FaultRules {
  private readonly rules: LiveRule[] = [];
  private added = 0;

  /** Adds a checked rule, in `namespace` unless it names its own; returns its id. */
  add(rule: FaultRule, namespace: string = EVERY_NAMESPACE): string {
    const placed = { ...rule, namespace: rule.namespace ?? namespace };
    if (this.rules.length >= MAX_FAULT_RULES) throw new FaultRulesFull(`The service holds ${MAX_FAULT_RULES} fault rules, its most`);
    if (this.rules.filter((live) => live.rule.namespace === placed.namespace).length >= MAX_FAULT_RULES_PER_NAMESPACE)
      throw new FaultRulesFull(`Namespace ${placed.namespace} holds ${MAX_FAULT_RULES_PER_NAMESPACE} fault rules, its most`);
    const id = `fault-${++this.added}`;
    this.rules.push({ id, rule: placed, matched: 0, hits: 0, fires: firing(rule.when ?? { every: 1 }) });
    return id;
  }

  /** The rules of `namespace`s (those of every namespace included), or all of them. */
  list(namespace?: string): ListedFaultRule[] {
    return this.rules
      .filter(({ rule }) => namespace === undefined || rule.namespace === namespace || rule.namespace === EVERY_NAMESPACE)
      .map(({ id, rule, matched, hits }) => ({ id, ...rule, matched, hits }));
  }

  /** The namespace of rule `id`, `undefined` when there is none. */
  namespaceOf(id: string): string | undefined {
    return this.rules.find((live) => live.id === id)?.rule.namespace;
  }

  /** Removes rule `id`, or every rule whose namespace is `namespace`, or all; returns how many went. */
  remove(which: { readonly id: string } | { readonly namespace: string } | 'all'): number {
    const before = this.rules.length;
    const keep = this.rules.filter((live) =>
      which === 'all' ? false : 'id' in which ? live.id !== which.id : live.rule.namespace !== which.namespace,
    );
    this.rules.splice(0, this.rules.length, ...keep);
    return before - this.rules.length;
  }

  /** The action of the first rule that fires on `target`, counting the hit; `undefined` when none does. */
  actionFor(target: FaultTarget): FaultAction | undefined {
    for (const live of this.rules) {
      const { operations, certificateId, namespace } = live.rule;
      if (!operations.includes(target.operation)) continue;
      if (certificateId !== undefined && certificateId !== target.certificateId) continue;
      if (namespace !== EVERY_NAMESPACE && namespace !== target.namespace) continue;
      live.matched++;
      if (!live.fires(live.matched)) continue;
      live.hits++;
      return live.rule.action;
    }
    return undefined;
  }
}
