import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadBaseConfig, loadConfig, loadJellyfinConfig } from '../../src/config.ts';

const validEnv = {
  DISCORD_TOKEN: 'bot-token-value-that-is-secret',
  DISCORD_APPLICATION_ID: '123456789012345678',
  STREAMER_TOKENS: 'streamer-one-secret, streamer-two-secret',
  JELLYFIN_URL: 'http://jellyfin.local:8096/',
  JELLYFIN_API_KEY: 'jellyfin-key-secret',
};

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('loadConfig accepted an invalid environment');
}

describe('configuration', () => {
  test('an empty environment names every required setting in one message', () => {
    const error = configError({});
    for (const name of [
      'DISCORD_TOKEN',
      'DISCORD_APPLICATION_ID',
      'STREAMER_TOKENS',
      'JELLYFIN_URL',
      'JELLYFIN_API_KEY',
    ]) {
      assert.match(error.message, new RegExp(`${name}\\b`), `${name} missing from:\n${error.message}`);
    }
    assert.match(error.message, /\.env\.example/);
  });

  test('invalid values are named without echoing any secret', () => {
    const env = {
      ...validEnv,
      DISCORD_APPLICATION_ID: 'not-an-id',
      JELLYFIN_URL: 'ftp://nope',
      HTTP_PORT: '99999',
      STREAMER_TOKENS: ' , ',
    };
    const error = configError(env);
    assert.deepEqual(error.problems.map((p) => p.split(' ')[0]).sort(), [
      'DISCORD_APPLICATION_ID',
      'HTTP_PORT',
      'JELLYFIN_URL',
      'STREAMER_TOKENS',
    ]);
    assert.ok(error.problems.includes('HTTP_PORT must be at most 65535'), error.message);
    for (const secret of [validEnv.DISCORD_TOKEN, validEnv.JELLYFIN_API_KEY, 'streamer-one-secret']) {
      assert.ok(!error.message.includes(secret));
    }
  });

  test('a valid environment gets the documented defaults', () => {
    const config = loadConfig(validEnv);
    assert.equal(config.databasePath, './data/orb.sqlite');
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.http.port, 8787);
    assert.deepEqual(config.http.apiTokens, []);
    assert.deepEqual(config.streamerTokens, ['streamer-one-secret', 'streamer-two-secret']);
    assert.equal(config.jellyfin.url, 'http://jellyfin.local:8096');
    assert.deepEqual(
      { profile: config.stream.profile, width: config.stream.width, fps: config.stream.fps },
      { profile: '720p30', width: 1280, fps: 30 },
    );
  });

  test('the bitrate cap lowers the profile bitrate, never raises it', () => {
    assert.equal(
      loadConfig({ ...validEnv, STREAM_PROFILE: '1080p60', STREAM_MAX_BITRATE_KBPS: '3000' }).stream
        .bitrateKbps,
      3000,
    );
    assert.equal(
      loadConfig({ ...validEnv, STREAM_PROFILE: '720p30', STREAM_MAX_BITRATE_KBPS: '9000' }).stream
        .bitrateKbps,
      2500,
    );
  });

  test('AUDIO_NORMALIZE is off unless set, and a value that is not yes or no is refused by name', () => {
    assert.equal(loadConfig(validEnv).stream.normalizeAudio, false);
    assert.equal(loadConfig({ ...validEnv, AUDIO_NORMALIZE: 'true' }).stream.normalizeAudio, true);
    assert.equal(loadConfig({ ...validEnv, AUDIO_NORMALIZE: 'off' }).stream.normalizeAudio, false);
    assert.throws(() => loadConfig({ ...validEnv, AUDIO_NORMALIZE: 'loud' }), /AUDIO_NORMALIZE/);
  });

  test('ORB_MEDIA_SEND is read for the stream workers, and only `js` is accepted', () => {
    assert.equal(loadConfig({ ...validEnv, ORB_MEDIA_SEND: 'js' }).stream.mediaSend, 'js');
    assert.equal(loadConfig(validEnv).stream.mediaSend, undefined);
    assert.throws(() => loadConfig({ ...validEnv, ORB_MEDIA_SEND: 'fast' }), /ORB_MEDIA_SEND/);
  });

  test('VIDEO_ENCODER is auto unless set; a wrong encoder or a VAAPI_DEVICE that is no path is refused by name', () => {
    assert.equal(loadConfig(validEnv).stream.videoEncoder, 'auto');
    const chosen = loadConfig({ ...validEnv, VIDEO_ENCODER: 'nvenc', VAAPI_DEVICE: '/dev/dri/renderD129' });
    assert.equal(chosen.stream.videoEncoder, 'nvenc');
    assert.equal(chosen.stream.vaapiDevice, '/dev/dri/renderD129');
    assert.throws(
      () => loadConfig({ ...validEnv, VIDEO_ENCODER: 'gpu' }),
      /VIDEO_ENCODER.*auto, x264, vaapi/,
    );
    assert.throws(() => loadConfig({ ...validEnv, VAAPI_DEVICE: 'renderD128' }), /VAAPI_DEVICE/);
  });

  test('TRANSCODE_SOURCE is auto unless set; anything but auto, worker or jellyfin is refused by name', () => {
    assert.equal(loadConfig(validEnv).stream.transcodeSource, 'auto');
    assert.equal(
      loadConfig({ ...validEnv, TRANSCODE_SOURCE: 'jellyfin' }).stream.transcodeSource,
      'jellyfin',
    );
    assert.deepEqual(configError({ ...validEnv, TRANSCODE_SOURCE: 'gpu' }).problems, [
      'TRANSCODE_SOURCE must be auto, worker or jellyfin',
    ]);
  });

  test('idle parties pause after 5 and stop after 30 minutes unless set; 0 turns either off', () => {
    assert.deepEqual(loadConfig(validEnv).idle, { pauseAfterMinutes: 5, stopAfterMinutes: 30 });
    assert.deepEqual(loadConfig({ ...validEnv, IDLE_PAUSE_MINUTES: '0', IDLE_STOP_MINUTES: '90' }).idle, {
      pauseAfterMinutes: 0,
      stopAfterMinutes: 90,
    });
    assert.deepEqual(
      configError({ ...validEnv, IDLE_PAUSE_MINUTES: 'soon', IDLE_STOP_MINUTES: '-1' }).problems,
      [
        'IDLE_PAUSE_MINUTES must be a whole number of minutes',
        'IDLE_STOP_MINUTES must be 0 (never) or more minutes',
      ],
    );
  });

  test('empty values mean unset, so defaults apply', () => {
    assert.equal(loadConfig({ ...validEnv, HTTP_HOST: '', LOG_LEVEL: '' }).http.host, '127.0.0.1');
  });

  test('migrate needs nothing but DATABASE_PATH, sync-catalog only Jellyfin', () => {
    assert.equal(loadBaseConfig({}).databasePath, './data/orb.sqlite');
    assert.equal(loadBaseConfig({ DATABASE_PATH: '/tmp/x.sqlite' }).databasePath, '/tmp/x.sqlite');
    assert.throws(() => loadJellyfinConfig({}), /JELLYFIN_URL is not set[\s\S]*JELLYFIN_API_KEY is not set/);
    assert.equal(loadJellyfinConfig(validEnv).jellyfin.apiKey, validEnv.JELLYFIN_API_KEY);
  });
});
