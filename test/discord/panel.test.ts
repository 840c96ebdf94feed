// The now-playing panel and the queue page are pure: session data and a time in, a message out. These
// pin what people read on them, and that what is built stays inside Discord's limits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageProblems } from '../../sim/discord/messages.ts';
import { buildPanel, buildQueuePage, progressBar, publicImageUrl } from '../../src/interactions/panel.ts';
import type { QueueEntry, SessionDetails, UpcomingEntry } from '../../src/watchparty/views.ts';

const reportedAt = Date.parse('2026-01-01T20:00:00.000Z');

function entry(id: number, title: string, extra: Partial<QueueEntry> = {}): QueueEntry {
  return {
    id,
    itemId: `item-${id}`,
    mediaType: 'movie',
    title,
    year: 1999,
    runtimeSeconds: 6000,
    summary: null,
    posterUrl: null,
    status: 'queued',
    requestedByUserId: '400000000000000001',
    audioStreamIndex: null,
    subtitleStreamIndex: null,
    tracks: null,
    startPositionSeconds: null,
    segments: [],
    createdAt: '2026-01-01T19:00:00.000Z',
    ...extra,
  };
}

function details(overrides: Partial<SessionDetails> = {}, upcomingCount = 0): SessionDetails {
  const upcoming: UpcomingEntry[] = Array.from({ length: upcomingCount }, (_, index) => ({
    ...entry(100 + index, `Queued film ${index + 1}`),
    number: index + 1,
  }));
  return {
    session: {
      id: 7,
      guildId: '100000000000000001',
      voiceChannelId: '200000000000000001',
      textChannelId: '300000000000000001',
      ownerUserId: '400000000000000001',
      title: 'Friday films',
      status: 'playing',
      currentQueueEntryId: 1,
      loopMode: 'off',
      createdAt: '2026-01-01T19:00:00.000Z',
      updatedAt: '2026-01-01T20:00:00.000Z',
    },
    current: entry(1, 'The Matrix', { status: 'playing', posterUrl: 'http://jellyfin.local/poster.jpg' }),
    upcoming,
    history: [],
    worker: {
      workerStatus: 'ready',
      playbackState: 'playing',
      currentTitle: 'The Matrix',
      positionSeconds: 600,
      durationSeconds: 6000,
      lastError: null,
      lastErrorKind: null,
      lastErrorAtSeconds: null,
      updatedAt: new Date(reportedAt).toISOString(),
    },
    playback: {
      activity: 'playing',
      positionSeconds: 600,
      durationSeconds: 6000,
      asOf: new Date(reportedAt).toISOString(),
    },
    recentEvents: [],
    ...overrides,
  };
}

describe('now-playing panel', () => {
  test('shows title, year, poster, state, who queued it and the position moved on since the last report', () => {
    const panel = buildPanel(details({}, 5), reportedAt + 30_000);
    const [embed] = panel.embeds;
    assert.equal(embed?.title, 'The Matrix (1999)');
    assert.equal(embed?.thumbnail?.url, 'http://jellyfin.local/poster.jpg');
    assert.match(embed?.description ?? '', /▶️ Playing/);
    assert.match(embed?.description ?? '', /10:30 ▰▰▱+ 1:40:00/);
    assert.deepEqual(
      embed?.fields?.map((field) => [field.name, field.value]),
      [
        ['Queued by', '<@400000000000000001>'],
        ['Voice channel', '<#200000000000000001>'],
        [
          'Up next',
          '1. Queued film 1 (1999) · 1:40:00\n2. Queued film 2 (1999) · 1:40:00\n3. Queued film 3 (1999) · 1:40:00\n…and 2 more',
        ],
      ],
    );
    assert.deepEqual(messageProblems(panel), []);
  });

  test('a paused party holds its position and offers Resume; a stopped one has no buttons', () => {
    const paused = details();
    paused.session.status = 'paused';
    const panel = buildPanel(paused, reportedAt + 3_600_000);
    assert.match(panel.embeds[0]?.description ?? '', /⏸️ Paused\*\*\n10:00 /);
    const first = panel.components[0]?.components[0];
    assert.equal(first && 'label' in first ? first.label : null, 'Resume');
    const stopped = details({ current: null });
    stopped.session.status = 'stopped';
    assert.deepEqual(buildPanel(stopped, reportedAt).components, []);
  });

  test('a poster URL that carries a credential, or is not http(s), is left out', () => {
    assert.equal(
      publicImageUrl('http://jellyfin.local/Items/1/Images/Primary?tag=a'),
      'http://jellyfin.local/Items/1/Images/Primary?tag=a',
    );
    assert.equal(publicImageUrl('http://jellyfin.local/Items/1/Images/Primary?api_key=secret'), null);
    assert.equal(publicImageUrl('http://jellyfin.local/x?ApiKey=secret'), null);
    assert.equal(publicImageUrl('http://user:pass@jellyfin.local/x'), null);
    assert.equal(publicImageUrl('file:///etc/passwd'), null);
    assert.equal(publicImageUrl('not a url'), null);
    const leaky = details({ current: entry(1, 'Leaky', { posterUrl: 'http://j/x?api_key=secret' }) });
    assert.equal(buildPanel(leaky, reportedAt).embeds[0]?.thumbnail, undefined);
  });

  test('a progress bar without a known length shows the position only', () => {
    assert.equal(progressBar(75, null), '1:15 / ?');
    assert.equal(progressBar(0, 60), `0:00 ${'▱'.repeat(18)} 1:00`);
    assert.equal(progressBar(60, 60), `1:00 ${'▰'.repeat(18)} 1:00`);
  });

  test('very long titles stay within Discord limits', () => {
    const long = details({ current: entry(1, 'A'.repeat(400)) }, 40);
    long.session.title = 'T'.repeat(100);
    assert.deepEqual(messageProblems(buildPanel(long, reportedAt)), []);
    assert.deepEqual(messageProblems(buildQueuePage(long, 0)), []);
  });
});

describe('queue pages', () => {
  test('ten per page with Previous/Next, and a page past the end shows the last page', () => {
    const many = details({}, 23);
    const first = buildQueuePage(many, 0);
    assert.match(
      first.embeds[0]?.description ?? '',
      /\*\*1\.\*\* Queued film 1 \(1999\) · 1:40:00 · <@400000000000000001>/,
    );
    assert.match(first.embeds[0]?.footer?.text ?? '', /^Page 1 of 3 · 23 queued/);
    assert.deepEqual(
      first.components[0]?.components.map((button) => [
        'label' in button ? button.label : null,
        button.disabled,
      ]),
      [
        ['Previous', true],
        ['Next', false],
      ],
    );
    const last = buildQueuePage(many, 9);
    assert.match(last.embeds[0]?.footer?.text ?? '', /^Page 3 of 3/);
    assert.match(last.embeds[0]?.description ?? '', /\*\*23\.\*\* Queued film 23/);
    assert.deepEqual(buildQueuePage(details(), 0).components, []);
  });
});

describe('the panel as the hub', () => {
  const buttons = (panel: ReturnType<typeof buildPanel>) =>
    panel.components.flatMap((row) =>
      row.components.flatMap((component) =>
        component.type === 2 && 'label' in component
          ? [`${component.label}${component.disabled ? ' (off)' : ''}`]
          : [],
      ),
    );

  test('time left, and when it ends as a timestamp each member reads in their own clock', () => {
    const nowMs = reportedAt + 30_000;
    const panel = buildPanel(details(), nowMs);
    const endsAt = Math.round(nowMs / 1000 + (6000 - 630));
    assert.match(panel.embeds[0]?.description ?? '', new RegExp(`⏳ 1:29:30 left · ends <t:${endsAt}:t>`));
    const paused = details();
    paused.session.status = 'paused';
    const held = buildPanel(paused, nowMs).embeds[0]?.description ?? '';
    assert.match(held, /⏳ 1:30:00 left$/m, 'paused: no end time, it would drift');
  });

  test('Retry after an error, Start when idle with a queue, Pause (off) when there is nothing to start', () => {
    const failed = details({ current: null });
    failed.session.status = 'error';
    assert.equal(buttons(buildPanel(failed, reportedAt))[0], 'Retry');
    const idle = details({ current: null }, 2);
    idle.session.status = 'queued';
    assert.equal(buttons(buildPanel(idle, reportedAt))[0], 'Start');
    const empty = details({ current: null });
    empty.session.status = 'queued';
    assert.equal(buttons(buildPanel(empty, reportedAt))[0], 'Pause (off)');
  });

  test('Previous, Vote skip, Shuffle (two or more waiting), Loop with its mode', () => {
    const one = buttons(buildPanel(details({}, 1), reportedAt));
    assert.deepEqual(one.slice(5), ['Previous', 'Vote skip', 'Shuffle (off)', 'Loop: off', 'Queue', 'Stop']);
    const looping = details({}, 2);
    looping.session.loopMode = 'queue';
    assert.deepEqual(buttons(buildPanel(looping, reportedAt)).slice(7, 9), ['Shuffle', 'Loop: queue']);
    assert.deepEqual(messageProblems(buildPanel(looping, reportedAt)), []);
  });
});
