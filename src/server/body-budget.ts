import { BODY_BUDGET_BYTES, INLINE_BODY_BYTES, SMALL_BODY_RESERVE_BYTES } from "./limits.js";

/**
 * The bytes of request bodies held in memory, across all requests, against a fixed total. Bodies
 * count as they arrive, not as they are declared, so a slow client holds only what it has sent.
 * Large bodies (or ones of unknown length) may not use the part reserved for small ones.
 */
export class BodyBudget {
  #held = 0;

  constructor(
    /** Told the bytes held after every change, for the meshtune_request_body_bytes_held gauge. */
    private readonly onChange: (held: number) => void = () => {},
    readonly total = BODY_BUDGET_BYTES,
    readonly smallReserve = SMALL_BODY_RESERVE_BYTES,
    readonly smallBody = INLINE_BODY_BYTES,
  ) {}

  get held(): number {
    return this.#held;
  }

  /** Whether a body declared as `declared` bytes (NaN: unknown) counts as small. */
  isSmall(declared: number): boolean {
    return declared <= this.smallBody;
  }

  #cap(small: boolean): number {
    return small ? this.total : this.total - this.smallReserve;
  }

  /** Whether a body of `declared` bytes fits now; one of unknown length needs only a byte. */
  fits(declared: number): boolean {
    const size = Number.isNaN(declared) ? 1 : declared;
    return this.#held + size <= this.#cap(this.isSmall(declared));
  }

  /** Takes `bytes` for a body that is small or not; false, and nothing taken, when they do not fit. */
  take(bytes: number, small: boolean): boolean {
    if (this.#held + bytes > this.#cap(small)) return false;
    this.#held += bytes;
    this.onChange(this.#held);
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
    this.onChange(this.#held);
  }
}
