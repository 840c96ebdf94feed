// What went wrong, as text, from anything a `catch` or a rejection hands over: JavaScript lets any
// value be thrown, so an `Error` gives its message and anything else its string form.

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A URL, without the punctuation that ends the sentence around it. */
const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]*[^\s"'<>):.,;]/gi;
/** A host:port (`127.0.0.1:8096`, `[::1]:80`, `jellyfin:8096`); a time like 1:35:00 starts with a digit. */
const hostPortPattern =
  /(?:\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):\d{1,5}\b/gi;
const ipPattern = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;

/**
 * Technical text with every URL, host:port and IP address replaced, for the places that show an
 * operator's detail outside the log (a manager's private reply, the party's event history): the
 * bot's internal addresses (the worker's loopback proxy, JELLYFIN_URL) must never leave the host.
 */
export function withoutAddresses(text: string): string {
  return text
    .replace(urlPattern, '<url>')
    .replace(hostPortPattern, '<address>')
    .replace(ipPattern, '<address>');
}
