// The worker's environment, built by the supervisor and parsed by the worker from one schema: what
// one side writes, the other reads back unchanged; bad values are named without echoing them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseWorkerEnvironment,
  type WorkerSettings,
  workerEnvironment,
} from '../../src/worker-contract/environment.ts';

const settings: WorkerSettings = {
  workerToken: 'per-worker-token-0123456789',
  streamerToken: 'streamer-token-secret',
  jellyfinUrl: 'http://jellyfin.test:8096',
  jellyfinApiKey: 'jellyfin-key-secret',
  discordApiBase: 'http://127.0.0.1:9999',
  host: '127.0.0.1',
  port: 0,
  sink: 'capture',
  streamProfile: '1080p30',
  maxBitrateKbps: 3_000,
  normalizeAudio: true,
  mediaSend: 'js',
  videoEncoder: 'vaapi',
  vaapiDevice: '/dev/dri/renderD129',
  logLevel: 'warn',
};

describe('the worker environment', () => {
  test('what the supervisor builds, the worker parses back unchanged', () => {
    assert.deepEqual(parseWorkerEnvironment(workerEnvironment(settings)), { ok: true, settings });
  });

  test('ORB_MEDIA_SEND reaches the worker when set, and is left out when not', () => {
    assert.equal(workerEnvironment(settings).ORB_MEDIA_SEND, 'js');
    const env = workerEnvironment({ ...settings, mediaSend: undefined });
    assert.equal('ORB_MEDIA_SEND' in env, false);
    const parsed = parseWorkerEnvironment(env);
    assert.ok(parsed.ok);
    assert.equal(parsed.settings.mediaSend, undefined);
  });

  test('defaults apply to unset and empty variables', () => {
    const parsed = parseWorkerEnvironment({ ORB_WORKER_TOKEN: settings.workerToken, LOG_LEVEL: '' });
    assert.ok(parsed.ok);
    assert.deepEqual(
      {
        host: parsed.settings.host,
        port: parsed.settings.port,
        sink: parsed.settings.sink,
        streamProfile: parsed.settings.streamProfile,
        logLevel: parsed.settings.logLevel,
        normalizeAudio: parsed.settings.normalizeAudio,
        videoEncoder: parsed.settings.videoEncoder,
        vaapiDevice: parsed.settings.vaapiDevice,
      },
      {
        host: '127.0.0.1',
        port: 0,
        sink: 'golive',
        streamProfile: '720p30',
        logLevel: 'info',
        normalizeAudio: false,
        videoEncoder: 'auto',
        vaapiDevice: '/dev/dri/renderD128',
      },
    );
  });

  test('bad values are named, never echoed', () => {
    const parsed = parseWorkerEnvironment({
      ...workerEnvironment(settings),
      ORB_WORKER_TOKEN: 'short-secret',
      ORB_MEDIA_SEND: 'native',
      STREAM_MAX_BITRATE_KBPS: '50',
      VIDEO_ENCODER: 'gpu',
      VAAPI_DEVICE: 'renderD128',
    });
    assert.equal(parsed.ok, false);
    const problems = parsed.ok ? '' : parsed.problems.join('\n');
    for (const name of [
      'ORB_WORKER_TOKEN',
      'ORB_MEDIA_SEND',
      'STREAM_MAX_BITRATE_KBPS',
      'VIDEO_ENCODER',
      'VAAPI_DEVICE',
    ]) {
      assert.match(problems, new RegExp(name));
    }
    assert.doesNotMatch(problems, /short-secret/);
  });
});
