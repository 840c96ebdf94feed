import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SessionStatus, sessionStatuses } from '../../src/db/schema.ts';
import { errorMessage } from '../../src/error-message.ts';
import { WatchPartyError } from '../../src/watchparty/errors.ts';
import {
  canTransition,
  IllegalTransitionError,
  type SessionEvent,
  sessionEvents,
  transition,
} from '../../src/watchparty/session-state.ts';

// design.md section 3, written out edge by edge; every pair not listed must be refused.
const legal: Record<string, SessionStatus> = {
  'draft queue': 'queued',
  'draft editQueue': 'draft',
  'draft stop': 'stopped',
  'queued queue': 'queued',
  'queued editQueue': 'queued',
  'queued start': 'connecting',
  'queued stop': 'stopped',
  'connecting queue': 'connecting',
  'connecting editQueue': 'connecting',
  'connecting workerPlaying': 'playing',
  'connecting advance': 'connecting',
  'connecting exhaust': 'queued',
  'connecting fail': 'error',
  'connecting recover': 'connecting',
  'connecting stop': 'stopped',
  'playing queue': 'playing',
  'playing editQueue': 'playing',
  'playing pause': 'paused',
  'playing seek': 'playing',
  'playing advance': 'playing',
  'playing exhaust': 'queued',
  'playing fail': 'error',
  'playing recover': 'connecting',
  'playing stop': 'stopped',
  'paused queue': 'paused',
  'paused editQueue': 'paused',
  'paused resume': 'playing',
  'paused seek': 'paused',
  'paused advance': 'playing',
  'paused exhaust': 'queued',
  'paused fail': 'error',
  'paused recover': 'paused',
  'paused stop': 'stopped',
  'error queue': 'error',
  'error editQueue': 'error',
  'error start': 'connecting',
  'error stop': 'stopped',
};

describe('session state machine', () => {
  for (const from of sessionStatuses) {
    for (const event of sessionEvents) {
      const expected = legal[`${from} ${event}`];
      if (expected) {
        test(`${from} --${event}--> ${expected}`, () => {
          assert.equal(canTransition(from, event), true);
          assert.equal(transition(from, event), expected);
        });
      } else {
        test(`${from} refuses ${event}`, () => {
          assert.equal(canTransition(from, event), false);
          assert.throws(
            () => transition(from, event),
            (error: unknown) =>
              error instanceof IllegalTransitionError &&
              error instanceof WatchPartyError &&
              error.code === 'conflict' &&
              error.from === from &&
              error.event === event &&
              error.message.length > 10 &&
              !error.message.includes('undefined'),
          );
        });
      }
    }
  }

  test('the table above covers only real statuses and events', () => {
    for (const key of Object.keys(legal)) {
      const [from, event] = key.split(' ') as [SessionStatus, SessionEvent];
      assert.ok(sessionStatuses.includes(from), key);
      assert.ok(sessionEvents.includes(event), key);
    }
  });

  test('refusals tell the user what to do', () => {
    const message = (from: SessionStatus, event: SessionEvent) => {
      try {
        transition(from, event);
      } catch (error) {
        return errorMessage(error);
      }
      return 'no error';
    };
    assert.match(message('paused', 'pause'), /paused; use resume/);
    assert.match(message('playing', 'resume'), /already playing/);
    assert.match(message('draft', 'start'), /queue is empty/i);
    assert.match(message('playing', 'start'), /already running/);
    assert.match(message('stopped', 'queue'), /stopped.*new party/i);
    assert.match(message('error', 'pause'), /start to try again/);
    assert.match(message('queued', 'pause'), /Nothing is playing/);
    assert.match(message('connecting', 'seek'), /still connecting/);
  });
});
