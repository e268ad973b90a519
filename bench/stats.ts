/** The q-quantile of samples (sorted in place), by nearest rank. */
export function quantile(samples: number[], q: number): number {
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] ?? Number.NaN;
}
