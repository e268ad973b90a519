// The Kubernetes resource.Quantity grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go):
// a signed decimal number followed by a binary-SI suffix, a decimal-SI suffix or a decimal exponent.
const QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number = "", suffix = ""] = match;
  const multiplier = suffix === "" ? 1 : (SUFFIX[suffix] ?? 10 ** Number(suffix.slice(1)));
  return Number(number) * multiplier;
}

/** A quantity a sidecar can be given: valid and not negative. */
export function isResourceQuantity(text: string): boolean {
  const value = parseQuantity(text);
  return value !== undefined && value >= 0;
}
