// Static files as Jellyfin serves /Videos/{id}/stream?static=true and /Items/{id}/Download: the whole
// file (200), one byte range (206, `bytes=a-b`, `bytes=a-`, `bytes=-n`) or 416 for a range past the
// end, and HEAD with the same headers and no body.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GeneratedMedia } from './media.ts';

const containerMime: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  ts: 'video/mp2t',
  mpg: 'video/mpeg',
  avi: 'video/x-msvideo',
};

/** `attachmentName` set: answered as a download (Content-Disposition: attachment). */
export function serveRangedFile(
  request: IncomingMessage,
  response: ServerResponse,
  file: GeneratedMedia,
  attachmentName: string | null,
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': containerMime[file.container] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
  };
  if (attachmentName !== null) headers['Content-Disposition'] = `attachment; filename="${attachmentName}"`;
  let start = 0;
  let end = file.size - 1;
  let status = 200;
  const range = request.headers.range;
  if (range) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const from = match?.[1] ? Number(match[1]) : null;
    const to = match?.[2] ? Number(match[2]) : null;
    if (!match || (from === null && to === null) || (from !== null && from >= file.size)) {
      response.writeHead(416, { 'Content-Range': `bytes */${file.size}` }).end();
      return;
    }
    if (from === null) start = Math.max(0, file.size - (to ?? 0));
    else {
      start = from;
      end = to === null ? end : Math.min(to, end);
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
  }
  headers['Content-Length'] = end - start + 1;
  response.writeHead(status, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file.path, { start, end }).pipe(response);
}
