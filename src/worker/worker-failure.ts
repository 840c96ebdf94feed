// An error that knows its failure kind (the worker contract's), raised where the worker first knows
// why something failed, so the contract can carry the kind to the bot beside the technical text.
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';

export class WorkerFailureError extends Error {
  readonly failure: WorkerFailureKind;
  constructor(failure: WorkerFailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkerFailureError';
    this.failure = failure;
  }
}

/** The kind of the first WorkerFailureError in the error's cause chain, or null. */
export function workerFailureOf(error: unknown): WorkerFailureKind | null {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof WorkerFailureError) return current.failure;
  }
  return null;
}
