/**
 * A number given as CDK context: a JSON number from cdk.json, or the string of `-c key=value`,
 * in decimal digits only (no sign, exponent, hex or white space), so that `-c quota=` or
 * `-c quota=0x10` stops the synth instead of deploying 0 or 16.
 */
export const numberFromContext = (key: string, value: unknown, kind: 'whole' | 'decimal'): number | undefined => {
  if (value === undefined) return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  const digits = kind === 'whole' ? /^(0|[1-9]\d*)$/ : /^(0|[1-9]\d*)(\.\d+)?$/;
  if (typeof text !== 'string' || !digits.test(text) || !Number.isFinite(Number(text))) {
    const rule = kind === 'whole' ? 'a whole number' : 'a non-negative number';
    throw new Error(`context ${key} must be ${rule} in decimal digits, got ${JSON.stringify(value)}`);
  }
  return Number(text);
};
