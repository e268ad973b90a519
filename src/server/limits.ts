// Every limit the admission server enforces, with its reason; README's "Limits and hardening"
// section lists the same numbers.

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * The largest AdmissionReview meshtune reads. meshtune takes only CREATE, whose review carries one
 * object (oldObject is null). The apiserver accepts a write body of at most 3 MiB (twice etcd's
 * 1.5 MiB, --max-request-body-bytes) and sends the object on re-encoded as JSON, with defaults and
 * managedFields added: 3 MiB for the object, 1 MiB for that growth and the rest of the review.
 */
export const MAX_BODY_BYTES = 4 * MIB;

/**
 * Bodies up to this size are planned on the event loop: at most about 10 ms for the most costly
 * shapes (`npm run bench:blocking`); larger ones are planned on the review thread, so no body
 * holds the event loop for long. Most pod reviews are smaller.
 */
export const INLINE_BODY_BYTES = 8 * KIB;

/**
 * Bytes of request bodies held in memory at once, across all connections. With the review
 * thread's heap and the connection limit below, it keeps the process under the chart's 256 MiB.
 */
export const BODY_BUDGET_BYTES = 24 * MIB;

/**
 * The part of the budget only bodies up to INLINE_BODY_BYTES may use, as real pod reviews are:
 * a flood of large bodies can never take it from them.
 */
export const SMALL_BODY_RESERVE_BYTES = 8 * MIB;

/** What a 429 tells the apiserver: its client waits this long, then retries within its timeout. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Open connections. An idle TLS connection costs about 50 KB; past this number the least recently
 * active connection is closed to make room, so idle or slow clients cannot crowd out the apiserver.
 */
export const MAX_CONNECTIONS = 1000;

/** How long a TLS handshake may take (Node's default is 120 s). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * After answering a request whose body is still arriving (413, 429), meshtune reads and drops this
 * much of the rest for at most LINGER_MS before it closes, so the client reads the answer instead
 * of a connection reset.
 */
export const DISCARD_BYTES = 16 * MIB;
export const LINGER_MS = 2000;

/**
 * Refused bodies read and dropped at once. Past it, under a flood of them, the rest are not read
 * at all (reading junk costs the TLS decryption of every byte): they get the answer, then the
 * connection waits LINGER_MS and closes.
 */
export const DRAINS_AT_ONCE = 16;

/** The review thread, which plans bodies over INLINE_BODY_BYTES. */
export const REVIEW_THREAD = {
  /** Its heap: a 4 MiB body of the densest JSON meshtune accepts needs about 30 MB. */
  maxOldGenerationSizeMb: 48,
  maxYoungGenerationSizeMb: 8,
  /** Bodies waiting for it; past this, 429 at once (each can take up to a few hundred ms). */
  queue: 8,
  /** JSON values in a body; a real pod review has far fewer than one per 10 bytes. */
  maxValues: 400_000,
  /** Nesting of a body; a pod nests about 15 levels, managedFields included. */
  maxDepth: 100,
} as const;

/**
 * What share of the time the apiserver gives a review (the `timeout` it adds to the webhook URL:
 * the webhook's timeoutSeconds, or less when its own request has less left) meshtune answers
 * within; the rest is for the network and the apiserver's side. 4 s of the chart's 5 s.
 */
export const ANSWER_SHARE = 0.8;

/**
 * The queue of small reviews waiting to be planned on the event loop, in the order they arrived.
 * An apiserver has at most --max-mutating-requests-inflight (200) writes in flight and a review
 * is planned in a fraction of a millisecond, so a burst of pod creations waits milliseconds and
 * the queue then empties. A queue that stands (every review waited over `targetWaitMs` for
 * `intervalMs`) means more arrives than one core plans: then, until a review again gets its turn
 * within `targetWaitMs`, each that waited longer is answered at once, unplanned (allowed,
 * unchanged, with a warning and outcome="shed"), as CoDel drops from standing network queues.
 * Answering one so costs a fraction of planning it, so meshtune keeps up with all that arrives
 * and answers the excess early rather than all of it late; it plans as many as one core can.
 */
export const PLAN_QUEUE = {
  /**
   * Sustained, and only then: 50 reviews at once on a busy core wait about 20 ms in turn and are
   * all planned; 200 at once for a second are more than the core carries.
   */
  targetWaitMs: 50,
  intervalMs: 1000,
  /** Whatever the queue does, no review waits longer than this, nor over half its time. */
  maxWaitMs: 1000,
  /** Reviews waiting at once: 1,000 of at most INLINE_BODY_BYTES are the small-body reserve. */
  maxReviews: 1000,
  /** How long planning holds the event loop before new requests are read and handshakes done. */
  sliceMs: 5,
} as const;
