import { ControlBusy, fairLimit, Gates } from '../../../../lib/local/control/gates.js';

/** Work that runs until `finish` is called, recording when it started. */
const held = (log: string[], name: string) => {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const work = async () => {
    log.push(name);
    return done;
  };
  return { work, finish: () => finish() };
};

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('fairLimit', () => {
  it('gives the namespaces waiting their turns in rotation: one call of B goes before the rest of A’s line', async () => {
    const started: string[] = [];
    const turns = fairLimit(2, 8, 64);
    const a = Array.from({ length: 6 }, (_, i) => held(started, `a${i}`));
    const b = held(started, 'b0');
    const running = [...a.map((one) => turns('A', one.work)), turns('B', b.work)];
    await settle();

    a[0]!.finish();
    await settle();
    a[1]!.finish();
    await settle();

    // a0 and a1 ran first; then a2, then B's turn came before a3..a5.
    expect(started).toEqual(['a0', 'a1', 'a2', 'b0']);
    for (const one of [...a, b]) one.finish();
    await Promise.all(running);
  });

  it("refuses past a namespace's own share of waiting places, while another namespace still waits its turn", async () => {
    const started: string[] = [];
    const turns = fairLimit(1, 2, 64);
    const a = Array.from({ length: 3 }, (_, i) => held(started, `a${i}`));
    const admitted = a.map((one) => turns('A', one.work));
    const refused = turns('A', held(started, 'a3').work).catch((error: unknown) => error);
    const b = held(started, 'b0');
    const other = turns('B', b.work);

    expect(await refused).toBeInstanceOf(ControlBusy);
    for (const one of [...a, b]) one.finish();
    await Promise.all([...admitted, other]);
    expect(started).toEqual(['a0', 'a1', 'b0', 'a2']);
  });

  it('refuses past the waiting places of all namespaces together', async () => {
    const turns = fairLimit(1, 8, 2);
    const work = Array.from({ length: 3 }, (_, i) => held([], `${i}`));
    const admitted = work.map((one, i) => turns(`N${i}`, one.work));

    await expect(turns('N9', async () => undefined)).rejects.toBeInstanceOf(ControlBusy);
    for (const one of work) one.finish();
    await Promise.all(admitted);
  });
});

describe('Gates', () => {
  it("holds one namespace's invocations during control work on it, and no other namespace's", async () => {
    const gates = new Gates();
    const log: string[] = [];
    const reset = held(log, 'reset A');
    const resetting = gates.exclusively(['A'], reset.work);
    await settle();

    const inA = gates.shared('A', async () => void log.push('call A'));
    const inB = gates.shared('B', async () => void log.push('call B'));
    await inB;
    await settle();
    const beforeReset = [...log];
    reset.finish();
    await Promise.all([resetting, inA]);

    expect(beforeReset).toEqual(['reset A', 'call B']);
    expect(log).toEqual(['reset A', 'call B', 'call A']);
    expect(gates.inUse()).toEqual([]);
  });

  it('takes several namespaces in one order, so overlapping control work cannot deadlock', async () => {
    const gates = new Gates();
    const log: string[] = [];
    await Promise.all([
      gates.exclusively(['B', 'A'], async () => void log.push('first')),
      gates.exclusively(['A', 'B'], async () => void log.push('second')),
    ]);

    expect(log.sort()).toEqual(['first', 'second']);
  });
});
