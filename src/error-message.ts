// What went wrong, as text, from anything a `catch` or a rejection hands over: JavaScript lets any
// value be thrown, so an `Error` gives its message and anything else its string form.

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
