// Switchable faults of the fake API server. Each rule applies to the requests it
// matches (method, path, whether the request carries a continue token) until
// it has fired `times` times.

/** Which requests a fault applies to, and how often. */
export interface FaultMatch {
  /** A substring of, or a pattern for, the request path (without the query). Any path when absent. */
  path?: string | RegExp;
  /** GET, PUT, POST or DELETE. Any method when absent. */
  method?: string;
  /** How many matching requests the fault hits; forever when absent. */
  times?: number;
}

export type FaultAction =
  | { type: 'status'; status: number; retryAfterSeconds?: number }
  | { type: 'expire' }
  | { type: 'slow'; delayMs: number }
  | { type: 'drop' };

/** A fault rule as armed, with how often it has fired. */
export interface FaultRule extends FaultMatch {
  action: FaultAction;
  hits: number;
}

/** What a test can switch on. Every method returns the rule, whose `hits` counts the requests it hit. */
export interface FaultControls {
  /** Answer with this HTTP status and a Status object (429 TooManyRequests, 500 InternalError, 503, ...). */
  status(status: number, match?: FaultMatch & { retryAfterSeconds?: number }): FaultRule;
  /** Answer requests that carry a `continue` token with 410 Gone, reason Expired. */
  expireContinue(match?: FaultMatch): FaultRule;
  /** Wait this long before handling the request normally. */
  slow(delayMs: number, match?: FaultMatch): FaultRule;
  /** Destroy the socket without answering. */
  drop(match?: FaultMatch): FaultRule;
  /** Disarm every fault. */
  clear(): void;
  /** The armed rules, in the order they were added. */
  readonly rules: readonly FaultRule[];
}

export class Faults implements FaultControls {
  readonly rules: FaultRule[] = [];

  private add(action: FaultAction, match: FaultMatch = {}): FaultRule {
    const rule: FaultRule = { path: match.path, method: match.method, times: match.times, action, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  status(status: number, match: FaultMatch & { retryAfterSeconds?: number } = {}): FaultRule {
    return this.add({ type: 'status', status, retryAfterSeconds: match.retryAfterSeconds }, match);
  }
  expireContinue(match?: FaultMatch): FaultRule {
    return this.add({ type: 'expire' }, match);
  }
  slow(delayMs: number, match?: FaultMatch): FaultRule {
    return this.add({ type: 'slow', delayMs }, match);
  }
  drop(match?: FaultMatch): FaultRule {
    return this.add({ type: 'drop' }, match);
  }
  clear(): void {
    this.rules.length = 0;
  }

  /** The faults that fire for this request (each counted as a hit), in the order they were added. */
  take(method: string, path: string, hasContinue: boolean): FaultAction[] {
    const fired: FaultAction[] = [];
    for (const r of this.rules) {
      if (r.times !== undefined && r.hits >= r.times) continue;
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (r.path !== undefined && !(typeof r.path === 'string' ? path.includes(r.path) : r.path.test(path))) continue;
      if (r.action.type === 'expire' && !hasContinue) continue;
      r.hits += 1;
      fired.push(r.action);
    }
    return fired;
  }
}
