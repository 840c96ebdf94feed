// A worker entry for the supervisor's test: logs which media send path the Go Live transport takes in
// this process (it reads ORB_MEDIA_SEND when it loads), then runs the real worker.
import { describeMediaSendPath } from '../../../src/worker/golive/native-media-send.ts';

process.stderr.write(
  `${JSON.stringify({ level: 30, msg: 'media send path', path: describeMediaSendPath() })}\n`,
);
await import('../../../src/worker/main.ts');
