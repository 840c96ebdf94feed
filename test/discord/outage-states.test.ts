// Outages as members see them: while the pool restarts a killed worker the panel says
// "Reconnecting…" and the API says `reconnecting`, while the source stalls both say buffering, and in
// either case the position shown holds still until frames flow again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIMessage } from 'discord-api-types/v10';
import { type ApiServer, buildApi } from '../../src/http/api.ts';
import type { SessionStatusResponse } from '../../src/worker-contract/http.ts';
import { type DiscordDoor, embedText, openDiscordDoor } from './harness.ts';

const TOKEN = 'api-token-for-outage-tests-0123456789';

describe('outages on the panel and in the API', () => {
  let door: DiscordDoor;
  let api: ApiServer;
  let sessionId: number;
  let panelId: string;

  before(async () => {
    // The panel of a playing party is redrawn every 200 ms, so a position that ran on would show.
    door = await openDiscordDoor({ panelRefreshIntervalMs: 200 });
    api = buildApi({ service: door.party.service, apiTokens: [TOKEN], logger: door.party.logger });
    const { sim, people } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'create', { title: 'Outage night' })
      .reply();
    const [session] = await door.party.service.listSessions();
    assert.ok(session);
    sessionId = session.id;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' })
      .reply();
    panelId = (await panelShowing(/▶️ Playing/)).id;
  });
  after(async () => {
    await api?.close();
    await door?.close();
  });

  const workerId = () => String(sessionId);

  function panelShowing(pattern: RegExp): Promise<APIMessage> {
    return door.panel(
      (message) => (panelId === undefined || message.id === panelId) && pattern.test(embedText(message)),
    );
  }

  async function apiPlayback(): Promise<{ activity: string; positionSeconds: number }> {
    const response = await api.inject({
      method: 'GET',
      url: `/api/sessions/${sessionId}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(response.statusCode, 200);
    return response.json().playback;
  }

  /** What the worker says about the current item, as a real one reports it. */
  function reportState(playbackState: SessionStatusResponse['playbackState'], positionSeconds: number) {
    const worker = door.party.workers.workers.get(workerId());
    assert.ok(worker?.playing);
    worker.playbackState = playbackState;
    worker.positionSeconds = positionSeconds;
    door.party.workers.emit(workerId(), {
      type: 'state',
      status: {
        workerStatus: 'ready',
        playbackState,
        currentTitle: worker.playing.title,
        positionSeconds,
        durationSeconds: worker.playing.playback.durationSeconds,
        lastError: null,
        queueEntryId: worker.playing.queueEntryId,
      },
    });
  }

  test('a restarting worker shows "Reconnecting…" and a position that holds, then Playing again', async () => {
    const { workers } = door.party;
    workers.heartbeat(workerId(), 600);
    await panelShowing(/▶️ Playing\*\*\n10:0\d/);

    // What the pool reports when the worker process was killed: it restarts it at 10:01.
    workers.emit(workerId(), {
      type: 'worker-restarting',
      attempt: 1,
      reason: 'the stream worker was killed by SIGKILL',
      positionSeconds: 601,
    });
    const reconnecting = await panelShowing(/🔄 Reconnecting…/);
    assert.match(embedText(reconnecting), /The stream dropped; it picks up where it stopped in a moment\./);
    assert.match(embedText(reconnecting), /10:01 ▰+▱+ 1:35:00/);
    const held = await apiPlayback();
    assert.equal(held.activity, 'reconnecting');
    assert.equal(held.positionSeconds, 601);

    // A second later, after several redraws, the progress has not run on.
    await sleep(1_000);
    assert.match(embedText(door.sim.messages.get(panelId)!.message), /🔄 Reconnecting…[\s\S]*10:01 /);
    assert.equal((await apiPlayback()).positionSeconds, 601);

    // The restarted worker loads the item back: still reconnecting, not a new item loading.
    reportState('loading', 601);
    await door.party.service.settled();
    assert.equal((await apiPlayback()).activity, 'reconnecting');

    reportState('playing', 601);
    await panelShowing(/▶️ Playing\*\*\n10:0\d/);
    assert.equal((await apiPlayback()).activity, 'playing');
  });

  test('a stalled source shows "Buffering…" with the position held, then Playing when frames flow', async () => {
    reportState('buffering', 630);
    const buffering = await panelShowing(/⏳ Buffering…/);
    assert.match(embedText(buffering), /Waiting for the media server to send more/);
    assert.match(embedText(buffering), /10:30 ▰+▱+ 1:35:00/);
    const held = await apiPlayback();
    assert.equal(held.activity, 'buffering');
    assert.equal(held.positionSeconds, 630);

    await sleep(1_000);
    assert.match(embedText(door.sim.messages.get(panelId)!.message), /⏳ Buffering…[\s\S]*10:30 /);
    assert.equal((await apiPlayback()).positionSeconds, 630);

    reportState('playing', 630);
    await panelShowing(/▶️ Playing\*\*\n10:3\d/);
    assert.equal((await apiPlayback()).activity, 'playing');
  });
});
