// pino with secret redaction. Redaction works on values, not only on field names, because secrets
// travel inside URLs (`ApiKey=`), headers and error messages that no path list can foresee.
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Field names whose values are secrets wherever they appear. */
const secretKeyPattern =
  /^(authorization|token|tokens|apikey|api_key|password|secret|x-emby-token|x-mediabrowser-token|cookie)$/i;

/** Secrets embedded in text: query parameters, MediaBrowser headers and bearer credentials. */
const secretTextPatterns: readonly RegExp[] = [
  /((?:api_?key|access_?token|token)=)[^&\s"']+/gi,
  /(Token=")[^"]*(")/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g,
  /(Bot\s+)[A-Za-z0-9._-]{20,}/g,
];

const knownSecrets = new Set<string>();

/** Registers exact secret values (tokens, keys) so they are masked wherever they show up. */
export function registerSecrets(values: Iterable<string>): void {
  for (const value of values) if (value.length >= 6) knownSecrets.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const pattern of secretTextPatterns) {
    out = out.replace(pattern, (_match, head: string, tail?: string) =>
      typeof tail === 'string' && tail.length <= 1 ? `${head}${REDACTED}${tail}` : `${head}${REDACTED}`,
    );
  }
  return out;
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack && redactText(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = secretKeyPattern.test(key) && inner !== undefined ? REDACTED : redactValue(inner, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Pretty output for people; defaults to on when stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go instead of stdout (tests capture logs through this). */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = {
    level: options.level ?? 'info',
    name: options.name,
    formatters: { log: (object: Record<string, unknown>) => redactValue(object) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)),
        );
      },
    },
    serializers: { err: (err: unknown) => redactValue(err) },
  } satisfies pino.LoggerOptions;
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss' } },
    });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** One child per session, so every line of a party can be found by its id. */
export function sessionLogger(logger: Logger, sessionId: number | string): Logger {
  return logger.child({ sessionId: String(sessionId) });
}
