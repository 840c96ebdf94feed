import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { MediaType } from '@snazzah/davey';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { type CommitterPolicy, DaveGroup, type DaveMember } from '../../../sim/discord/voice/dave-group.ts';
import { DivergenceLog } from '../../../sim/discord/voice/divergences.ts';
import { ViewerDaveMember } from '../../../sim/discord/voice/viewer-member.ts';
import { VoiceOp } from '../../../sim/discord/voice/voice-opcodes.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { DaveChannel, DaveOp } from '../../../src/worker/golive/dave.ts';
import { capturedLogs } from '../../support/captured-logs.ts';
import { type ClipSpec, loadClip, loopClip } from './clip.ts';
import { endGoLive, openGoLive } from './harness.ts';

const log = createLogger({ level: 'silent' });
const USER_ID = '800000000000000001';
const VIEWER_ID = '800000000000000002';
const GROUP_ID = '900000000000000000';
const AUDIO = 0 as MediaType;
const OPUS = Buffer.from('fc0102030405060708090a0b0c0d0e0f', 'hex');

interface Sent {
  op: number;
  d?: unknown;
  payload?: Buffer;
}

function channel() {
  const sent: Sent[] = [];
  const dave = new DaveChannel(
    { userId: USER_ID, groupId: GROUP_ID },
    { sendJson: (op, d) => sent.push({ op, d }), sendBinary: (op, payload) => sent.push({ op, payload }) },
    log,
  );
  return { dave, sent };
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The signature key a key package (op 26) carries, as the other members see it. */
function signatureKey(keyPackage: Buffer): string {
  const [decoded] = decodeKeyPackage(keyPackage, 0)!;
  return Buffer.from(decoded.leafNode.signaturePublicKey).toString('hex');
}

/**
 * The client's DaveChannel wired to the simulator's DAVE group (the server's side) and its viewer
 * (a real davey member); every hop happens on a later tick, as over a socket. The group holds the
 * client to our transport's own promises too (the orb-transport profile).
 */
async function inSimulatedGroup(t: TestContext, committer: CommitterPolicy = 'client') {
  const divergences = new DivergenceLog('orb-transport');
  const group = await DaveGroup.create(GROUP_ID, divergences, 'stream', committer, {
    commitWaitMs: 2000,
    readyWaitMs: 2000,
  });
  const viewer = new ViewerDaveMember(VIEWER_ID, group, divergences, 'stream');
  const sent: Sent[] = [];
  const checking = new Set<Promise<void>>();
  const dave: DaveChannel = new DaveChannel(
    { userId: USER_ID, groupId: GROUP_ID },
    {
      sendJson(op, d) {
        sent.push({ op, d });
        const transitionId = (d as { transition_id: number }).transition_id;
        setImmediate(() => {
          if (op === DaveOp.readyForTransition) group.onReadyForTransition(USER_ID, transitionId);
          if (op === DaveOp.invalidCommitWelcome) group.onInvalidCommitWelcome(USER_ID, transitionId);
        });
      },
      sendBinary(op, payload) {
        sent.push({ op, payload });
        setImmediate(() => {
          if (op === DaveOp.commitWelcome) group.onCommitWelcome(USER_ID, payload);
          if (op !== DaveOp.keyPackage) return;
          const check = group.onKeyPackage(USER_ID, payload);
          checking.add(check);
          void check.finally(() => checking.delete(check));
        });
      },
    },
    log,
  );
  const client: DaveMember = {
    userId: USER_ID,
    remote: true,
    sendJson(op, data) {
      const d = data as {
        user_ids: string[];
        user_id: string;
        transition_id: number;
        protocol_version: number;
        epoch: number;
      };
      setImmediate(() => {
        if (op === VoiceOp.ClientsConnect) dave.onClientsConnect(d.user_ids);
        if (op === VoiceOp.ClientDisconnect) dave.onClientDisconnect(d.user_id);
        if (op === VoiceOp.DavePrepareTransition)
          dave.onPrepareTransition(d.transition_id, d.protocol_version);
        if (op === VoiceOp.DaveExecuteTransition) dave.onExecuteTransition(d.transition_id);
        if (op === VoiceOp.DavePrepareEpoch) dave.onPrepareEpoch(d.epoch, d.protocol_version);
      });
    },
    sendBinary: (op, payload) => setImmediate(() => dave.onBinary(op, payload)),
  };
  group.connect(client);
  t.after(() => group.close());
  const inOneGroup = () =>
    waitFor('the client and the viewer in one group', () => dave.ready && viewer.ready);
  return {
    dave,
    viewer,
    divergences: divergences.list,
    sent,
    keyPackages: () => sent.filter((message) => message.op === DaveOp.keyPackage),
    invalidCommitWelcomes: () => sent.filter((message) => message.op === DaveOp.invalidCommitWelcome),
    /** Op 25, as the server sends it after SESSION_DESCRIPTION. */
    sendExternalSender: () => group.sendExternalSender(client),
    /** Resolves once the server has taken in every key package sent so far. */
    async keyPackagesTaken(): Promise<void> {
      await nextTick();
      await Promise.all(checking);
    },
    /** One audio frame the client wraps, as the viewer decrypts it. */
    viewerDecrypts(opus: Buffer): Buffer {
      const wrapped = dave.encryptAudio(opus);
      assert.equal(wrapped.kind, 'send', 'the client wraps the frame');
      return viewer.decrypt(USER_ID, AUDIO, (wrapped as { data: Buffer }).data);
    },
    group,
    inOneGroup,
    /** The usual join: the viewer is there, SESSION_DESCRIPTION v1, op 25, and the group forms. */
    async formGroup(): Promise<void> {
      viewer.join();
      dave.onSessionDescription(1);
      group.sendExternalSender(client);
      await inOneGroup();
    },
  };
}

describe('DaveChannel', () => {
  test('version 0: frames pass through untouched', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(0);
    const frame = Buffer.from([1, 2, 3]);
    assert.deepEqual(dave.encryptAudio(frame), { kind: 'send', data: frame });
    assert.equal(sent.length, 0, 'no key package without DAVE');
  });

  test('version 1: a key package goes out at once, and nothing is sent in clear before the group is ready', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(1);
    assert.equal(sent[0]?.op, DaveOp.keyPackage);
    assert.ok((sent[0]?.payload?.length ?? 0) > 300, 'a serialized key package');
    assert.deepEqual(dave.encryptVideo(Buffer.from([0, 0, 0, 1, 0x65, 1])), {
      kind: 'drop',
      reason: 'not-ready',
    });
    assert.equal(dave.counters.droppedNotReady, 1);
  });

  test('binary frames before SESSION_DESCRIPTION wait for the session instead of being lost', () => {
    const { dave, sent } = channel();
    dave.onBinary(DaveOp.proposals, Buffer.from([0, 0]));
    assert.equal(sent.length, 0);
    dave.onSessionDescription(1);
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage],
      'the buffered proposals were processed (and refused: no group yet) without a commit',
    );
  });

  test('a flood of DAVE frames before any session keeps the first 32 and says it dropped the rest', () => {
    const { logger, lines } = capturedLogs('warn');
    const sent: Sent[] = [];
    const dave = new DaveChannel(
      { userId: USER_ID, groupId: GROUP_ID },
      { sendJson: (op, d) => sent.push({ op, d }), sendBinary: (op, payload) => sent.push({ op, payload }) },
      logger,
    );
    for (let i = 0; i < 500; i += 1) dave.onBinary(DaveOp.proposals, Buffer.from([0, i & 0xff]));
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['DAVE frames before any session; dropping the rest'],
    );
    dave.onSessionDescription(1);
    const replayed = lines.filter((line) => line.msg === 'DAVE could not process proposals');
    assert.equal(replayed.length, 32, 'only the kept frames are replayed into the new session');
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage],
    );
  });

  test('a sole-member reset (op 24 epoch 1) announces a fresh key package; transition 0 executes at once', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(1);
    dave.onPrepareEpoch(1, 1);
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage, DaveOp.keyPackage],
    );
    dave.onPrepareTransition(0, 1);
    assert.equal(sent.length, 2, 'transition 0 needs no ready-for-transition');
    dave.onPrepareTransition(5, 0);
    assert.deepEqual(sent.at(-1), { op: DaveOp.readyForTransition, d: { transition_id: 5 } });
    dave.onExecuteTransition(5);
    assert.equal(dave.active, false, 'downgraded: frames leave without DAVE');
  });

  test('a commit or welcome too short to name its transition is logged and ignored, never thrown', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(1);
    assert.doesNotThrow(() => dave.onBinary(DaveOp.announceCommitTransition, Buffer.from([7])));
    assert.doesNotThrow(() => dave.onBinary(DaveOp.welcome, Buffer.alloc(0)));
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage],
      'no op 31 (there is no transition id to name) and no new key package',
    );
  });

  test('a DAVE version this client cannot speak, or none at all, never turns DAVE off nor throws', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(2);
    dave.onPrepareEpoch(1, Number(undefined));
    dave.onPrepareTransition(3, Number('x'));
    dave.onExecuteTransition(3);
    dave.onPrepareEpoch(1, 2);
    assert.equal(dave.active, true, 'still a DAVE connection');
    assert.equal(dave.protocolVersion, 1);
    assert.deepEqual(dave.encryptAudio(OPUS), { kind: 'drop', reason: 'not-ready' }, 'nothing in clear');
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage],
      'malformed messages re-initialise nothing',
    );
  });
});

describe('DaveChannel in the simulated DAVE group', () => {
  test('SESSION_DESCRIPTION v1 then op 24 epoch 1: one key package each, the group forms on the second', async (t) => {
    const sim = await inSimulatedGroup(t);
    sim.dave.onSessionDescription(1);
    sim.sendExternalSender();
    await nextTick();
    // The server re-creates the group before anyone joined: protocol.md §6.3, protocol "Key Packages".
    sim.dave.onPrepareEpoch(1, 1);
    await sim.keyPackagesTaken();
    const [first, second, ...more] = sim.keyPackages();
    assert.equal(more.length, 0, 'exactly one key package per (re)initialisation');
    assert.ok(first?.payload && second?.payload && !first.payload.equals(second.payload), 'a new one');
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'drop', reason: 'not-ready' });

    sim.viewer.join();
    await sim.inOneGroup();
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.equal(sim.keyPackages().length, 2, 'the group formed on the second key package: no recovery');
    assert.deepEqual(
      sim.sent.filter((m) => m.op === DaveOp.invalidCommitWelcome),
      [],
    );
    assert.deepEqual(sim.divergences, []);
  });

  test('the last viewer leaving resets the group: one new key package, nothing in clear, and a rejoin works', async (t) => {
    const sim = await inSimulatedGroup(t);
    await sim.formGroup();
    const before = sim.keyPackages().length;

    sim.viewer.leave();
    await waitFor('the sole-member reset', () => !sim.dave.ready);
    await sim.keyPackagesTaken();
    assert.equal(sim.keyPackages().length, before + 1);
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'drop', reason: 'not-ready' });

    sim.viewer.rejoin();
    await sim.inOneGroup();
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.equal(sim.keyPackages().length, before + 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('a commit that cannot be processed gets one op 31 and one key package, and the client rejoins', async (t) => {
    const sim = await inSimulatedGroup(t);
    await sim.formGroup();
    const before = sim.sent.length;

    sim.group.sendBrokenCommit();
    await nextTick(); // op 29 delivered: answered at once
    assert.equal(sim.dave.ready, false, 'the session was re-initialised');
    assert.deepEqual(
      sim.dave.encryptAudio(OPUS),
      { kind: 'drop', reason: 'not-ready' },
      'the viewers are in an encrypted group: nothing goes to them in clear while we rejoin',
    );
    await waitFor('the rejoin through a welcome', () => sim.dave.ready);
    const recovery = sim.sent.slice(before).map((message) => message.op);
    assert.deepEqual(recovery.slice(0, 2), [DaveOp.invalidCommitWelcome, DaveOp.keyPackage]);
    assert.equal(recovery.filter((op) => op === DaveOp.keyPackage).length, 1);
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.deepEqual(sim.divergences, []);
  });

  test('every DAVE session signs with a key pair of its own: each re-initialisation, and each connection', async (t) => {
    const sim = await inSimulatedGroup(t);
    await sim.formGroup();
    sim.dave.onPrepareEpoch(1, 1); // a new group (sole-member reset or upgrade)
    sim.group.sendBrokenCommit(); // op 31: a new session again
    await waitFor('three key packages', () => sim.keyPackages().length === 3);
    const keys = sim.keyPackages().map((message) => signatureKey(message.payload!));
    const otherConnection = channel(); // the same user's other connection (voice or stream)
    otherConnection.dave.onSessionDescription(1);
    keys.push(signatureKey(otherConnection.sent[0]!.payload!));
    assert.equal(new Set(keys).size, 4, 'no signature key is used twice');
  });

  test('a join whose first commit fails answers op 31 at once, and the client joins the group after all', async (t) => {
    const sim = await inSimulatedGroup(t);
    sim.dave.onSessionDescription(1);
    sim.sendExternalSender();
    await sim.keyPackagesTaken();
    sim.group.sendBrokenCommit(); // reaches the client while it waits to be added
    await waitFor('op 31 for the failed commit', () => sim.invalidCommitWelcomes().length === 1);
    assert.equal(sim.keyPackages().length, 2, 'and a new key package right behind it');
    await sim.keyPackagesTaken();

    sim.viewer.join();
    await sim.inOneGroup();
    assert.ok((sim.dave.epoch ?? 0) >= 1, 'a group with an epoch');
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.deepEqual(sim.divergences, []);
  });

  test('a join whose welcome fails answers op 31, and the server adds the client again', async (t) => {
    const sim = await inSimulatedGroup(t, 'viewer');
    sim.group.breakNextWelcome();
    sim.viewer.join();
    sim.dave.onSessionDescription(1);
    sim.sendExternalSender();
    await waitFor('op 31 for the broken welcome', () => sim.invalidCommitWelcomes().length === 1);
    await sim.inOneGroup();
    assert.ok((sim.dave.epoch ?? 0) >= 2, 'added again by a later commit');
    assert.equal(sim.keyPackages().length, 2);
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.deepEqual(sim.divergences, []);
  });

  test('downgrade: frames go out in clear once executed; the upgrade re-forms the group with one key package', async (t) => {
    const sim = await inSimulatedGroup(t);
    await sim.formGroup();

    sim.group.downgrade();
    await waitFor('the downgrade executed', () => !sim.dave.active);
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'send', data: OPUS });
    const before = sim.keyPackages().length;

    sim.group.upgrade();
    await nextTick(); // op 24 and op 21 delivered; the new group needs several more hops
    assert.equal(sim.dave.active, true, 'a DAVE connection again');
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'drop', reason: 'not-ready' }, 'nothing in clear');
    await sim.inOneGroup();
    assert.equal(sim.keyPackages().length, before + 1);
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.deepEqual(sim.divergences, []);
  });

  test('downgrade and upgrade: ready, active and epoch say what the wire carries', async (t) => {
    const sim = await inSimulatedGroup(t);
    await sim.formGroup();
    const formed = sim.dave.epoch;
    assert.ok(formed !== null && formed >= 1, 'a group with an epoch');

    sim.group.downgrade();
    await nextTick(); // op 21 delivered and answered; op 22 not yet
    assert.deepEqual(
      { active: sim.dave.active, ready: sim.dave.ready, epoch: sim.dave.epoch },
      { active: true, ready: true, epoch: formed },
      'until the downgrade executes, the group still wraps every frame',
    );
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);

    await waitFor('the downgrade executed', () => !sim.dave.active);
    assert.deepEqual(
      { active: sim.dave.active, ready: sim.dave.ready, epoch: sim.dave.epoch },
      { active: false, ready: false, epoch: null },
      'frames leave in clear: no DAVE group is in use',
    );
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'send', data: OPUS });

    sim.group.upgrade();
    await nextTick(); // op 24 delivered: a new group is being formed
    assert.deepEqual(
      { active: sim.dave.active, ready: sim.dave.ready },
      { active: true, ready: false },
      'a DAVE connection again, waiting for its new group',
    );
    await sim.inOneGroup();
    assert.deepEqual(
      { active: sim.dave.active, ready: sim.dave.ready, epochKnown: sim.dave.epoch !== null },
      { active: true, ready: true, epochKnown: true },
    );
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.deepEqual(sim.divergences, []);
  });

  test('an upgrade (op 24) on a connection that began without DAVE uses the op 25 that came meanwhile', async (t) => {
    const sim = await inSimulatedGroup(t);
    sim.dave.onSessionDescription(0);
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'send', data: OPUS });
    sim.sendExternalSender();
    await nextTick();
    sim.dave.onPrepareEpoch(1, 1);
    assert.deepEqual(sim.dave.encryptAudio(OPUS), { kind: 'drop', reason: 'not-ready' }, 'nothing in clear');
    await sim.keyPackagesTaken();
    sim.viewer.join();
    await sim.inOneGroup();
    assert.deepEqual(sim.viewerDecrypts(OPUS), OPUS);
    assert.equal(sim.keyPackages().length, 1);
    assert.deepEqual(sim.divergences, []);
  });
});

describe('DAVE through a Go Live', () => {
  const spec: ClipSpec = { seconds: 6, width: 320, height: 180, fps: 30, videoKbps: 400 };

  test('after a commit it cannot process, the stream rejoins with a new signing key and the viewer decrypts again', async () => {
    const clip = loadClip(spec);
    const { voice, sink, fatal } = await openGoLive({
      sim: {},
      ids: { userId: USER_ID, guildId: '700000000000000021', voiceChannelId: '700000000000000022' },
      logger: log,
      video: { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 800 },
    });
    const playing = new AbortController();
    const playback = loopClip(sink, clip, playing.signal);
    try {
      await waitFor('the stream in its DAVE group', () => sink.stats().daveReady, 15_000);
      const joinedAt = sink.stats().daveEpoch ?? 0;
      voice.faults.daveBrokenCommit('stream');
      // The stale leaf is removed and the new one added in one commit: a later epoch.
      await waitFor(
        'the stream back in its group',
        () => sink.stats().daveReady && (sink.stats().daveEpoch ?? 0) > joinedAt,
        15_000,
      );
      const decrypted = voice.viewer.daveDecryptOk;
      await waitFor('frames decrypted again', () => voice.viewer.daveDecryptOk >= decrypted + 30, 15_000);
    } finally {
      const stopPlaying = async (): Promise<void> => {
        playing.abort();
        await playback;
      };
      await endGoLive({ voice, sink, stopPlaying }, 'stopped');
    }
    assert.deepEqual(fatal, []);
    assert.equal(voice.viewer.counters().daveDecryptFailed, 0);
    // Under the orb-transport profile a re-used signing key is recorded (dave-signature-key-reuse).
    assert.deepEqual(voice.divergences, []);
  });
});
