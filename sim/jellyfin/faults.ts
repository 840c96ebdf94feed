// Fault injection for the Jellyfin simulator: latency, error statuses, and connections dropped
// before or in the middle of an answer, per route, optionally for the next N requests only.

export interface SimRequestInfo {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  query: URLSearchParams;
}

export interface FaultRule {
  /** Which requests: a case-insensitive path prefix or a regular expression; every request when unset. */
  path?: string | RegExp;
  method?: string;
  /** Further narrowing, e.g. only requests that carry a searchTerm. */
  when?: (request: SimRequestInfo) => boolean;
  /** Wait this long before answering (a timeout from the client's side when long enough). */
  latencyMs?: number;
  /** Answer with this status and a small error body instead (500, 503, 401…). */
  status?: number;
  /** Close the socket without any answer. */
  dropConnection?: boolean;
  /** Send the headers and this many body bytes, then cut the connection (mid-stream failures). */
  dropAfterBytes?: number;
  /** Apply to this many matching requests, then expire. Unlimited when unset. */
  times?: number;
}

export class SimFaults {
  #rules: FaultRule[] = [];

  /** Adds a rule; returns a function that removes it again. */
  set(rule: FaultRule): () => void {
    const copy = { ...rule };
    this.#rules.push(copy);
    return () => {
      this.#rules = this.#rules.filter((candidate) => candidate !== copy);
    };
  }

  clear(): void {
    this.#rules = [];
  }

  /** The combined fault for one request; consumes `times` of the rules that apply. */
  take(request: SimRequestInfo): Omit<FaultRule, 'path' | 'method' | 'when' | 'times'> {
    const applied: Omit<FaultRule, 'path' | 'method' | 'when' | 'times'> = {};
    for (const rule of this.#rules) {
      if (!matches(rule, request)) continue;
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) this.#rules = this.#rules.filter((candidate) => candidate !== rule);
      }
      applied.latencyMs = (applied.latencyMs ?? 0) + (rule.latencyMs ?? 0);
      applied.status ??= rule.status;
      applied.dropConnection ||= rule.dropConnection;
      applied.dropAfterBytes ??= rule.dropAfterBytes;
    }
    return applied;
  }
}

function matches(rule: FaultRule, request: SimRequestInfo): boolean {
  if (rule.method && rule.method.toUpperCase() !== request.method) return false;
  if (typeof rule.path === 'string' && !request.path.toLowerCase().startsWith(rule.path.toLowerCase())) {
    return false;
  }
  if (rule.path instanceof RegExp && !rule.path.test(request.path)) return false;
  return rule.when ? rule.when(request) : true;
}
