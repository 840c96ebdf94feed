// Playback reporting as the simulator sees it: start, progress and stopped from one stable device
// per party, the party visible on the dashboard while it plays, and failures that never throw.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinPlaybackReporter, partyDeviceId } from '../../src/jellyfin/playback-reporter.ts';
import { capturedLogs, type LogLine } from '../support/captured-logs.ts';

describe('Jellyfin playback reporter', () => {
  let sim: JellyfinSim;
  let client: JellyfinClient;
  before(async () => {
    sim = await startJellyfinSim();
    client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
  });
  after(() => sim.stop());

  test('start, progress and stopped arrive from one device per party', async () => {
    const reporter = new JellyfinPlaybackReporter({ client });
    const movie = sim.library.byName(defaultTitles.basic);
    await reporter.started('41', movie.id, 0);
    await reporter.progress('41', movie.id, 30, true);
    await reporter.stopped('41', movie.id, 31);
    reporter.close();

    const reports = sim.playbackReports.filter((report) => report.deviceId === partyDeviceId('41'));
    assert.deepEqual(
      reports.map((report) => report.kind),
      ['start', 'progress', 'stopped'],
    );
    assert.equal(reports[1]?.body.IsPaused, true);
    assert.equal(reports[1]?.body.PositionTicks, 300_000_000);
    assert.equal(reports[2]?.body.PositionTicks, 310_000_000);
    assert.ok(reports.every((report) => report.body.ItemId === movie.id));
    assert.equal(new Set(reports.map((report) => report.body.PlaySessionId)).size, 1);
  });

  test('a playing party is on the dashboard, and leaves it when stopped', async () => {
    const reporter = new JellyfinPlaybackReporter({ client });
    const movie = sim.library.byName(defaultTitles.dualAudio);
    await reporter.started('42', movie.id, 12);
    const session = sim.sessions().find((candidate) => candidate.DeviceId === partyDeviceId('42'));
    assert.ok(session && sim.dashboardVisible(session));
    assert.equal(session.NowPlayingItem?.Name, defaultTitles.dualAudio);
    assert.equal(session.Client, 'Orb Watch Party', "Jellyfin shows the API key's app name");
    const other = sim.sessions().find((candidate) => candidate.DeviceId === partyDeviceId('41'));
    assert.notEqual(other?.Id, session.Id, 'parties are separate sessions');
    await reporter.stopped('42', movie.id, 20);
    assert.equal(sim.dashboardVisible(session), false);
    reporter.close();
  });

  test('keeps reporting progress on its own while a party plays', async () => {
    const reporter = new JellyfinPlaybackReporter({ client, progressIntervalMs: 50 });
    const movie = sim.library.byName(defaultTitles.hevc);
    await reporter.started('43', movie.id, 0);
    const progressReports = () =>
      sim.playbackReports.filter(
        (report) => report.deviceId === partyDeviceId('43') && report.kind === 'progress',
      );
    await waitFor('two heartbeat progress reports', () => progressReports().length >= 2);
    const positions = progressReports().map((report) => Number(report.body.PositionTicks));
    assert.ok(positions[1]! > positions[0]!, 'the position moves on while playing');
    await reporter.stopped('43', movie.id, 1);
    reporter.close();
  });

  test('frequent progress calls are thinned out, but a pause is reported at once', async () => {
    const reporter = new JellyfinPlaybackReporter({ client, progressIntervalMs: 60_000 });
    const movie = sim.library.byName(defaultTitles.vfr);
    await reporter.started('44', movie.id, 0);
    for (let second = 1; second <= 5; second += 1) await reporter.progress('44', movie.id, second, false);
    await reporter.progress('44', movie.id, 5, true);
    const kinds = sim.playbackReports
      .filter((report) => report.deviceId === partyDeviceId('44'))
      .map((report) => [report.kind, report.body.IsPaused]);
    assert.deepEqual(kinds, [
      ['start', false],
      ['progress', true],
    ]);
    reporter.close();
  });

  test('a failing Jellyfin never breaks the party: each failure is logged, and reports resume once it is back', async () => {
    const { logger, lines } = capturedLogs<LogLine & { report?: string }>('warn');
    const reporter = new JellyfinPlaybackReporter({ client, logger });
    const movie = sim.library.byName(defaultTitles.basic);
    const seenBefore = sim.requests.length;
    sim.faults.set({ path: '/Sessions', status: 500 });
    // Resolving (not throwing) is what keeps the party going: callers await these.
    await reporter.started('45', movie.id, 0);
    await reporter.progress('45', movie.id, 10, true);
    sim.faults.clear();
    assert.deepEqual(
      sim.requests.slice(seenBefore).map((request) => request.path),
      ['/Sessions/Playing', '/Sessions/Playing/Progress'],
      'Jellyfin was asked both times',
    );
    assert.deepEqual(
      lines.map((line) => [line.msg, line.report]),
      [
        ['could not report playback to Jellyfin', 'start'],
        ['could not report playback to Jellyfin', 'progress'],
      ],
    );
    const reached = () => sim.playbackReports.filter((report) => report.deviceId === partyDeviceId('45'));
    assert.deepEqual(reached(), [], 'nothing got through the fault');

    await reporter.progress('45', movie.id, 20, false); // the resume: reported at once
    await reporter.stopped('45', movie.id, 21);
    assert.deepEqual(
      reached().map((report) => [report.kind, report.body.PositionTicks]),
      [
        ['progress', 200_000_000],
        ['stopped', 210_000_000],
      ],
    );
    reporter.close();
  });
});
