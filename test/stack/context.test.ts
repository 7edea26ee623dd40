import { numberFromContext } from '../../lib/context.js';

describe('numberFromContext', () => {
  test('takes a JSON number from cdk.json and decimal digits from -c key=value', () => {
    expect(numberFromContext('quota', 100, 'whole')).toBe(100);
    expect(numberFromContext('quota', '100', 'whole')).toBe(100);
    expect(numberFromContext('throttleRate', '2.5', 'decimal')).toBe(2.5);
    expect(numberFromContext('throttleRate', 0.5, 'decimal')).toBe(0.5);
    expect(numberFromContext('quota', undefined, 'whole')).toBeUndefined();
  });

  test.each<[unknown, 'whole' | 'decimal']>([
    ['', 'whole'],
    ['0x10', 'whole'],
    ['1e3', 'whole'],
    [' 10', 'whole'],
    ['-1', 'whole'],
    ['1.5', 'whole'],
    [1.5, 'whole'],
    ['010', 'whole'],
    [true, 'whole'],
    ['Infinity', 'decimal'],
    ['1e3', 'decimal'],
    ['.5', 'decimal'],
    [1e21, 'decimal'],
  ])('%j (%s) stops the synth, naming the key', (value, kind) => {
    expect(() => numberFromContext('quota', value, kind)).toThrow(`context quota must be a ${kind === 'whole' ? 'whole' : 'non-negative'} number in decimal digits, got ${JSON.stringify(value)}`);
  });
});
