// JSON over node:http for the contract's servers (a stream worker's, a worker host's): errors as
// {error: {code, message, field?, failure?}}, bodies read with a size limit and validated with zod, so
// every door answers bad input the same way and never with a stack trace.
import http from 'node:http';
import type { z } from 'zod';
import { inputWording, issueField } from '../input-wording.ts';
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';
import type { ErrorResponse } from '../worker-contract/http.ts';

const BODY_LIMIT_BYTES = 64 * 1024;

type ErrorCode = ErrorResponse['error']['code'];

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly failure: WorkerFailureKind | undefined;
  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    details: { field?: string | undefined; failure?: WorkerFailureKind | undefined } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = details.field;
    this.failure = details.failure;
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: http.ServerResponse, error: HttpError): void {
  const body: ErrorResponse = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(error.failure ? { failure: error.failure } : {}),
    },
  };
  if (error.status === 401) res.setHeader('www-authenticate', 'Bearer');
  sendJson(res, error.status, body);
}

export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) {
      throw new HttpError(
        413,
        'bad_request',
        `the request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`,
      );
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text || 'null');
  } catch {
    throw new HttpError(400, 'bad_request', 'the request body is not valid JSON', { field: 'body' });
  }
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, inputWording);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issueField(issue);
  throw new HttpError(400, 'bad_request', `${field}: ${issue.message}`, { field });
}

/**
 * A contract server around `route`. Once an answer has begun, a failure can only end the connection;
 * an HttpError answers as itself, and `unexpected` turns any other error into the answer.
 */
export function serveContract(
  route: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  unexpected: (error: unknown, req: http.IncomingMessage) => HttpError,
): http.Server {
  return http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, error instanceof HttpError ? error : unexpected(error, req));
    });
  });
}
