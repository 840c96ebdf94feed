// The benchmark's stand-in for Jellyfin, in its own process so that serving the file is not counted
// as the worker's CPU. Serves BENCH_MEDIA_FILE as the Jellyfin item `source` and prints `{"url":"…"}` when listening.
import { startMediaServer } from '../test/worker/support/media-fixtures.ts';

const server = await startMediaServer(process.env.BENCH_MEDIA_API_KEY);
server.serve('source', process.env.BENCH_MEDIA_FILE!);
process.stdout.write(`${JSON.stringify({ url: server.url, streamUrl: server.streamUrl('source') })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
