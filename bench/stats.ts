/** Summary of one measured run: completed operations, throughput and latency percentiles. */
export interface Summary {
  readonly count: number;
  readonly perSecond: number;
  /** Milliseconds. */
  readonly p50: number;
  /** Milliseconds. */
  readonly p99: number;
}

/** The value at quantile `q` (0..1) of `values`, nearest-rank, on a sorted copy. */
export const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export const summarize = (latenciesMs: readonly number[]): Omit<Summary, 'perSecond'> => ({
  count: latenciesMs.length,
  p50: quantile(latenciesMs, 0.5),
  p99: quantile(latenciesMs, 0.99),
});
