import { Connection, postRequest, type Answer } from "./connection.js";
import { quantile } from "./stats.js";

/** How an answer is judged: the answer checked before the load, meshtune's overload answer, or wrong. */
export type Judgement = "expected" | "shed" | "wrong";

export interface OpenLoopTarget {
  url: string;
  /** The CA that signed the server's certificate. */
  ca: string;
  body: string;
  judge(answer: Answer): Judgement;
}

export interface OpenLoopPlan {
  /** Reviews sent per second, on a fixed schedule whatever the answers do. */
  rate: number;
  seconds: number;
  /** Load at the same rate before measuring, so connections are open and code is optimised. */
  warmupSeconds: number;
  /** An answer later than this counts as late: the webhook's timeoutSeconds. */
  timeoutMs: number;
  /** Connections the client may open, as the apiserver opens more when all are busy. */
  maxConnections: number;
}

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  sent: number;
  expected: number;
  shed: number;
  wrong: number;
  /** Answered after timeoutMs, or never. */
  late: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How late the client sent, at p99: past a millisecond or so, it did not keep the rate. */
  sendLagP99Ms: number;
  connections: number;
}

const TICK_MS = 1;

/** Latency samples and counts of one measured period. */
class Tally {
  readonly latencies: number[] = [];
  readonly lags: number[] = [];
  expected = 0;
  shed = 0;
  wrong = 0;
  late = 0;
  sent = 0;
}

/**
 * Sends reviews at a fixed rate, not as fast as the server answers (that would measure only
 * queueing): every 1 ms tick sends the reviews due by then, each on an idle connection, opening
 * one more when none is idle (up to maxConnections; past that a review waits, and the wait
 * counts). A review's latency runs from its tick to its answer; the client's own lateness (its
 * tick against the schedule) is reported apart, as sendLagP99Ms.
 */
export async function openLoop(
  target: OpenLoopTarget,
  plan: OpenLoopPlan,
): Promise<OpenLoopResult> {
  const url = new URL(target.url);
  const request = postRequest(url, target.body);
  const idle: Connection[] = [];
  const waiting: { started: number; tally: Tally }[] = [];
  let opened = 0;
  let opening = 0;
  let inFlight = 0;

  const finish = (connection: Connection | undefined) => {
    if (connection !== undefined && !connection.closed) idle.push(connection);
    const next = waiting.shift();
    if (next !== undefined) dispatch(next.started, next.tally);
  };

  function send(connection: Connection, started: number, tally: Tally): void {
    inFlight++;
    connection.send(request, (error, answer) => {
      inFlight--;
      const ms = performance.now() - started;
      if (error !== undefined || answer === undefined) tally.wrong++;
      else tally[target.judge(answer)]++;
      if (ms > plan.timeoutMs || error !== undefined) tally.late++;
      tally.latencies.push(ms);
      finish(error === undefined ? connection : undefined);
    });
  }

  function dispatch(started: number, tally: Tally): void {
    const connection = idle.pop();
    if (connection !== undefined) {
      send(connection, started, tally);
    } else if (opened + opening < plan.maxConnections) {
      opening++;
      Connection.open(url, target.ca).then(
        (fresh) => {
          opening--;
          opened++;
          send(fresh, started, tally);
        },
        () => {
          opening--;
          tally.wrong++;
          tally.late++;
          finish(undefined);
        },
      );
    } else {
      waiting.push({ started, tally });
    }
  }

  const run = (seconds: number, tally: Tally) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const total = Math.round(plan.rate * seconds);
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - start) * plan.rate) / 1000) + 1);
        for (; tally.sent < due; tally.sent++) {
          tally.lags.push(now - (start + (tally.sent * 1000) / plan.rate));
          dispatch(now, tally);
        }
        if (tally.sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });

  await run(plan.warmupSeconds, new Tally());
  const tally = new Tally();
  await run(plan.seconds, tally);
  // The last reviews get their time limit to be answered; what is still out then never was.
  const deadline = performance.now() + plan.timeoutMs;
  while ((inFlight > 0 || waiting.length > 0) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const answered = tally.expected + tally.shed + tally.wrong;
  for (const connection of idle) connection.close();
  return {
    rate: plan.rate,
    seconds: plan.seconds,
    sent: tally.sent,
    expected: tally.expected,
    shed: tally.shed,
    wrong: tally.wrong,
    late: tally.late + (tally.sent - answered),
    p50Ms: quantile(tally.latencies, 0.5),
    p99Ms: quantile(tally.latencies, 0.99),
    maxMs: tally.latencies.reduce((max, ms) => Math.max(max, ms), 0),
    sendLagP99Ms: quantile(tally.lags, 0.99),
    connections: opened,
  };
}
