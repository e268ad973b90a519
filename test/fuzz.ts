import fc from "fast-check";

/**
 * How long each fuzz property runs, in seconds: bounded in CI, longer with FUZZ_SECONDS=600.
 * FUZZ_SEED replays a run (a failure prints its seed).
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 6);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** A test timeout that leaves room for one fuzz property (and its shrinking). */
export const FUZZ_TIMEOUT_MS = (SECONDS + 30) * 1000;

function parameters<T>(): fc.Parameters<T> {
  return {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: SECONDS * 1000,
    markInterruptAsFailure: false,
    ...(SEED === undefined ? {} : { seed: SEED }),
  };
}

const shown = (value: unknown) => {
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : (JSON.stringify(value) ?? "");
  return text.length > 600 ? `${text.slice(0, 600)}... (${text.length} characters)` : text;
};

function report<T>(name: string, details: fc.RunDetails<T>): number {
  if (details.failed) {
    const counterexample = (details.counterexample ?? []) as unknown[];
    throw new Error(
      `fuzz: ${name} failed after ${details.numRuns} inputs (seed ${details.seed}, path ${details.counterexamplePath}): ${String(details.errorInstance)}\ninput: ${counterexample.map(shown).join(", ")}`,
    );
  }
  console.log(
    `fuzz: ${name}: ${details.numRuns} inputs in ${SECONDS} s, none failed (seed ${details.seed})`,
  );
  return details.numRuns;
}

/** Runs `property` on new inputs until the time is up; throws the first failure, shrunk. */
export function fuzz<T>(name: string, property: fc.IProperty<T>): number {
  return report(name, fc.check(property, parameters<T>()));
}

export async function fuzzAsync<T>(name: string, property: fc.IAsyncProperty<T>): Promise<number> {
  return report(name, await fc.check(property, parameters<T>()));
}
