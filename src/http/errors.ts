// One translation from errors to answers: WatchPartyErrors and Fastify's own client errors become
// {error: {code, message, field?}} with their status; anything else is logged and answered with a
// generic 500, never a stack trace. A failure's operator detail goes to the log, not the answer: the
// API's callers read the same plain sentence members do, and no internal address.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inputWording, issueField } from '../input-wording.ts';
import { WatchPartyError, type WatchPartyErrorCode } from '../watchparty/errors.ts';
import { describeFailure } from '../watchparty/failures.ts';
import type { ApiError, ApiErrorCode } from './schemas.ts';

const statusOf: Record<WatchPartyErrorCode, number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/** An error the API raises itself (auth, validation), with its status. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  constructor(status: number, code: ApiErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Parses input with a schema; a failure is a 400 naming the first bad field, in the project's words. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, inputWording);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issueField(issue);
  throw new ApiRequestError(400, 'bad_request', `${field}: ${issue.message}`, field);
}

/**
 * Parses an answer with its documented schema, dropping undeclared fields. A mismatch is our own bug:
 * it throws, which handleApiError logs and answers with the generic 500, so the caller sees nothing of it.
 */
export function parseOutput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Error(`the answer does not match its documented schema:\n${z.prettifyError(result.error)}`);
}

function send(reply: FastifyReply, status: number, code: ApiErrorCode, message: string, field?: string) {
  const body: ApiError = { error: { code, message, ...(field === undefined ? {} : { field }) } };
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).send(body);
}

export function handleApiError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiRequestError)
    return send(reply, error.status, error.code, error.message, error.field);
  if (error instanceof WatchPartyError) {
    if (error.detail !== null) request.log.warn({ detail: error.detail }, 'a party action failed');
    const message = error.field === undefined ? error.message : `${error.field}: ${error.message}`;
    return send(reply, statusOf[error.code], error.code, message, error.field);
  }
  const status = 'statusCode' in error ? error.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, body too large) are safe to show.
    return send(reply, status, status === 404 ? 'not_found' : 'bad_request', error.message);
  }
  request.log.error({ err: error }, 'unexpected error in the API');
  return send(reply, 500, 'internal', describeFailure('unexpected'));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 404, 'not_found', `There is no route ${request.method} ${request.url.split('?')[0]}.`);
}
