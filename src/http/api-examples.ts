// Example answers for the OpenAPI document of both doors (/api and /dashboard/api). They are data,
// not shapes: src/openapi.ts parses each with the schema of the answer it illustrates, so an example
// that drifts from its route stops the document being made.

import type { TrackFacts } from '../watchparty/track-labels.ts';
import type { PartySession, QueueEntry, SessionDetails, UpcomingEntry } from '../watchparty/views.ts';
import type { ApiError, ApiErrorCode } from './schemas.ts';
import type { SearchResults } from './search.ts';

export const partySessionExample: PartySession = {
  id: 7,
  guildId: '123456789012345678',
  voiceChannelId: '234567890123456789',
  textChannelId: '345678901234567890',
  ownerUserId: '456789012345678901',
  title: 'Friday films',
  status: 'playing',
  currentQueueEntryId: 31,
  loopMode: 'off',
  createdAt: '2026-12-04T19:58:02.000Z',
  updatedAt: '2026-12-04T20:14:40.000Z',
};

const trackFactsExample: TrackFacts = {
  language: 'eng',
  title: null,
  codec: null,
  channels: null,
  isDefault: false,
  isForced: false,
  isExternal: false,
};

export const queueEntryExample: QueueEntry = {
  id: 31,
  itemId: 'f1e2d3c4b5a697887766554433221100',
  mediaType: 'movie',
  title: 'Night Harbor',
  year: 2019,
  runtimeSeconds: 6120,
  summary: 'A lighthouse keeper finds a ship that is not on any chart.',
  posterUrl: null,
  status: 'playing',
  requestedByUserId: '456789012345678901',
  audioStreamIndex: null,
  subtitleStreamIndex: null,
  tracks: {
    audio: [
      {
        index: 1,
        label: 'English · AAC 5.1 · default',
        facts: { ...trackFactsExample, codec: 'aac', channels: 6, isDefault: true },
      },
      {
        index: 2,
        label: 'French · AAC stereo',
        facts: { ...trackFactsExample, language: 'fre', codec: 'aac' },
      },
    ],
    subtitles: [{ index: 3, label: 'English · SRT', facts: { ...trackFactsExample, codec: 'subrip' } }],
    playingAudio: 1,
    playingSubtitle: null,
  },
  startPositionSeconds: null,
  segments: [{ kind: 'credits', startSeconds: 5880, endSeconds: 6120 }],
  createdAt: '2026-12-04T19:59:10.000Z',
};

export const upcomingEntryExample: UpcomingEntry = {
  ...queueEntryExample,
  id: 32,
  itemId: '00112233445566778899aabbccddeeff',
  title: 'Arrival',
  year: 2016,
  runtimeSeconds: 6960,
  summary: null,
  status: 'queued',
  tracks: null,
  segments: [],
  number: 1,
};

export const sessionDetailsExample: SessionDetails = {
  session: partySessionExample,
  current: queueEntryExample,
  upcoming: [upcomingEntryExample],
  history: [],
  worker: {
    workerStatus: 'ready',
    playbackState: 'playing',
    currentTitle: 'Night Harbor',
    positionSeconds: 998.4,
    durationSeconds: 6120,
    lastError: null,
    lastErrorKind: null,
    lastErrorAtSeconds: null,
    updatedAt: '2026-12-04T20:14:40.000Z',
  },
  playback: {
    activity: 'playing',
    positionSeconds: 998.4,
    durationSeconds: 6120,
    asOf: '2026-12-04T20:14:40.000Z',
  },
  recentEvents: [
    {
      id: 90,
      type: 'playback_started',
      actorUserId: '456789012345678901',
      payload: { queueEntryId: 31 },
      createdAt: '2026-12-04T19:59:12.000Z',
    },
  ],
};

export const searchResultsExample: SearchResults = {
  hits: [
    { itemId: 'f1e2d3c4b5a697887766554433221100', type: 'movie', label: 'Night Harbor (2019)', year: 2019 },
  ],
};

/** An error answer as both doors send it. */
export function apiErrorExample(code: ApiErrorCode, message: string, field?: string): ApiError {
  return { error: { code, message, ...(field ? { field } : {}) } };
}
