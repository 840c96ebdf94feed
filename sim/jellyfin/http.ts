// HTTP plumbing of the Jellyfin simulator: JSON answers with Jellyfin's "nulls left out", request
// bodies, query parameters read case-insensitively as Jellyfin does, and a connection cut mid-answer.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** JSON.stringify drops undefined properties, which is Jellyfin's "nulls left out". */
export function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Lets `limit` body bytes through, then destroys the socket: a connection lost mid-answer. */
export function cutAfter(response: ServerResponse, limit: number): void {
  let sent = 0;
  const write = response.write.bind(response) as (chunk: Buffer, callback?: () => void) => boolean;
  const end = response.end.bind(response) as (chunk?: Buffer) => ServerResponse;
  const pass = (chunk: unknown): boolean => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return true;
    if (sent > limit) return false;
    const bytes = Buffer.from(chunk as Uint8Array | string);
    const room = limit - sent;
    sent += bytes.length;
    if (sent <= limit) return write(bytes);
    // Flush what fits (headers included), then cut the connection.
    write(bytes.subarray(0, room), () => response.socket?.destroy());
    return false;
  };
  response.write = ((chunk: unknown) => pass(chunk)) as typeof response.write;
  response.end = ((chunk?: unknown) => {
    if (pass(chunk)) end();
    return response;
  }) as typeof response.end;
}

export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

/** The query with lower-cased names: Jellyfin matches parameter names case-insensitively. */
export type Query = Map<string, string>;

export function lowerQuery(query: URLSearchParams): Query {
  const out: Query = new Map();
  for (const [key, value] of query) out.set(key.toLowerCase(), value);
  return out;
}

export function listParam(query: Query, name: string): string[] {
  return (query.get(name.toLowerCase()) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function boolParam(query: Query, name: string): boolean | undefined {
  const value = query.get(name.toLowerCase());
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

export function intParam(query: Query, name: string): number | undefined {
  const value = query.get(name.toLowerCase());
  if (value === undefined) return undefined;
  const parsed = Number.parseInt(value, 10);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new HttpError(400, `The value '${value}' is not valid for ${name}.`);
  return parsed;
}

/** A GUID parameter as Jellyfin accepts it: with or without dashes, in any case. */
export function guidParam(query: Query, name: string): string | undefined {
  return query.get(name.toLowerCase())?.replaceAll('-', '').toLowerCase();
}
