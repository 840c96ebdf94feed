// The simulator's DAVE group manager against real davey clients that talk to it directly (no sockets):
// each client behaves like the product's worker (src/worker/golive/dave.ts) and can be told to stall,
// hold a message back, or start over at a chosen moment, so every protocol race is reproducible.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { DAVESession, generateP256Keypair, type SigningKeyPair } from '@snazzah/davey';
import { DaveGroup, type DaveMember } from '../../../../sim/discord/voice/dave-group.ts';
import { DivergenceLog } from '../../../../sim/discord/voice/divergences.ts';
import { VoiceOp } from '../../../../sim/discord/voice/voice-opcodes.ts';
import { waitFor } from '../../../../sim/wait-for.ts';

const CHANNEL = '1234567890123456789';
const WAITS = { commitWaitMs: 300, readyWaitMs: 300 };

/** A DAVE client on the group's "websocket": messages arrive on a later tick, in order. */
class TestClient implements DaveMember {
  readonly remote = true;
  readonly userId: string;
  readonly session: DAVESession;
  /** Every JSON op the server sent, with its payload. */
  readonly json: { op: number; d: Record<string, unknown> }[] = [];
  /** Op 27 messages to ignore, as a client that lost them would. */
  dropProposals = 0;
  /** Keep commits (op 28) back until `releaseCommits`. */
  holdCommits = false;
  readonly heldCommits: Buffer[] = [];
  /** Keep op 23 answers back until `releaseReady`. */
  holdReady = false;
  readonly heldReady: number[] = [];
  /** Runs once, right before the next welcome is processed. */
  beforeWelcome: (() => void) | null = null;
  /** Answer the next welcome with op 31 without trying it (a client that cannot process valid welcomes). */
  rejectNextWelcome = false;
  readonly #group: DaveGroup;
  readonly #recognized = new Set<string>();

  /** Signs every session with this key pair (null: a fresh one each time, as davey makes it). */
  readonly #keyPair: SigningKeyPair | null;

  constructor(userId: string, group: DaveGroup, keyPair: SigningKeyPair | null = null) {
    this.userId = userId;
    this.#group = group;
    this.#keyPair = keyPair;
    this.session = new DAVESession(1, userId, CHANNEL, keyPair);
    this.#recognized.add(userId);
  }

  /** Connects, sends a key package (op 4), then gets op 25. */
  join(): void {
    this.#group.connect(this);
    void this.#group.onKeyPackage(this.userId, this.session.getSerializedKeyPackage());
    this.#group.sendExternalSender(this);
  }

  leave(): void {
    this.#group.disconnect(this);
  }

  /** Re-initialises and announces a new key package (op 24 epoch 1, op 31, or a new connection). */
  startOver(): void {
    this.session.reinit(1, this.userId, CHANNEL, this.#keyPair);
    void this.#group.onKeyPackage(this.userId, this.session.getSerializedKeyPackage());
  }

  releaseCommits(): void {
    this.holdCommits = false;
    for (const commit of this.heldCommits.splice(0)) this.#group.onCommitWelcome(this.userId, commit);
  }

  releaseReady(): void {
    this.holdReady = false;
    for (const id of this.heldReady.splice(0)) this.#group.onReadyForTransition(this.userId, id);
  }

  sendJson(op: number, d: unknown): void {
    setImmediate(() => this.#onJson(op, d as Record<string, unknown>));
  }

  sendBinary(op: number, payload: Buffer): void {
    setImmediate(() => this.#onBinary(op, payload));
  }

  executed(transitionId: number): boolean {
    return this.json.some(
      (m) => m.op === VoiceOp.DaveExecuteTransition && m.d.transition_id === transitionId,
    );
  }

  #onJson(op: number, d: Record<string, unknown>): void {
    this.json.push({ op, d });
    if (op === VoiceOp.ClientsConnect) for (const id of d.user_ids as string[]) this.#recognized.add(id);
    if (op === VoiceOp.ClientDisconnect) this.#recognized.delete(d.user_id as string);
    if (op === VoiceOp.DavePrepareEpoch && d.epoch === 1) this.startOver();
  }

  #onBinary(op: number, payload: Buffer): void {
    if (op === VoiceOp.DaveExternalSenderPackage) {
      this.session.setExternalSender(payload);
      return;
    }
    if (op === VoiceOp.DaveProposals) {
      if (this.dropProposals > 0) {
        this.dropProposals -= 1;
        return;
      }
      let result: { commit?: Buffer; welcome?: Buffer };
      try {
        result = this.session.processProposals(payload[0]!, payload.subarray(1), [...this.#recognized]);
      } catch {
        return; // e.g. a revoke of proposals this client never saw
      }
      if (!result.commit) return;
      const body = result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit;
      if (this.holdCommits) this.heldCommits.push(body);
      else this.#group.onCommitWelcome(this.userId, body);
      return;
    }
    if (op !== VoiceOp.DaveAnnounceCommitTransition && op !== VoiceOp.DaveWelcome) return;
    const transitionId = payload.readUInt16BE(0);
    try {
      if (op === VoiceOp.DaveWelcome) {
        const before = this.beforeWelcome;
        this.beforeWelcome = null;
        before?.();
        if (this.rejectNextWelcome) {
          this.rejectNextWelcome = false;
          throw new Error('rejected on purpose');
        }
        this.session.processWelcome(payload.subarray(2));
      } else this.session.processCommit(payload.subarray(2));
    } catch {
      // Any failure is answered at once, joining or not, as the worker does (protocol.md §6.4).
      this.#group.onInvalidCommitWelcome(this.userId, transitionId);
      this.startOver();
      return;
    }
    if (this.holdReady) this.heldReady.push(transitionId);
    else this.#group.onReadyForTransition(this.userId, transitionId);
  }
}

/** Everyone ready in one epoch, with the same voice privacy code: they can all decrypt each other. */
function inOneGroup(...clients: TestClient[]): boolean {
  const [first] = clients;
  return (
    first !== undefined &&
    clients.every(
      (c) =>
        c.session.ready &&
        c.session.epoch === first.session.epoch &&
        c.session.voicePrivacyCode === first.session.voicePrivacyCode,
    )
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('simulator DAVE group', () => {
  let opened: DaveGroup | null = null;
  afterEach(() => opened?.close());

  /** A new group, and clients 1001 (a) and 1002 (b), set up by `setUp` and then joined. */
  async function start(
    setUp: (a: TestClient, b: TestClient) => void = () => {},
    options: { log?: DivergenceLog; keyPairOfB?: SigningKeyPair } = {},
  ) {
    const log = options.log ?? new DivergenceLog();
    const created = await DaveGroup.create(CHANNEL, log, 'test', 'first', WAITS);
    opened = created;
    const client = (id: string, keyPair: SigningKeyPair | null = null) =>
      new TestClient(id, created, keyPair);
    const a = client('1001');
    const b = client('1002', options.keyPairOfB ?? null);
    setUp(a, b);
    a.join();
    b.join();
    return { group: created, log, client, a, b };
  }

  /** a has committed the group creation (b's Add) and holds the commit; b's own commit never goes out. */
  async function aAboutToWelcomeB() {
    const started = await start((a, b) => {
      a.holdCommits = true;
      b.holdCommits = true;
    });
    await waitFor('a committed the Add of b', () => started.a.heldCommits.length === 1);
    return started;
  }

  test('two clients form a group and a third joins it, with nothing recorded', async () => {
    const { log, client, a, b } = await start();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    const c = client('1003');
    c.join();
    await waitFor('all three in one group', () => inOneGroup(a, b, c));
    assert.deepEqual(log.list, []);
  });

  test('a round nobody commits is recorded, then retried instead of blocking every later change', async () => {
    const { log, a, b } = await start((a, b) => {
      a.dropProposals = 1;
      b.dropProposals = 1;
    });
    await waitFor('a and b in one group after the retry', () => inOneGroup(a, b));
    assert.equal(log.list.length, 1);
    assert.match(log.list[0]!, /^test:dave-no-commit: no acceptable op 28 from 1001, 1002/);
  });

  test('a round whose recipients all leave is dropped at once, and the one left alone is reset', async () => {
    const { log, client, a, b } = await start();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    a.dropProposals = 1;
    b.dropProposals = 1;
    const c = client('1003');
    c.join();
    await waitFor('both sent the Add', () => a.dropProposals === 0 && b.dropProposals === 0);
    a.leave();
    b.leave();
    await waitFor('c told to start a new group (op 24)', () =>
      c.json.some((m) => m.op === VoiceOp.DavePrepareEpoch),
    );
    await pause(WAITS.commitWaitMs * 3);
    assert.deepEqual(log.list, []);
  });

  test('a member that leaves before its op 23 does not time the transition out', async () => {
    const { log, a, b } = await start((_, b) => {
      b.holdReady = true;
    });
    await waitFor('b processed its welcome', () => b.heldReady.length === 1);
    b.leave();
    await waitFor('a reset to a new group', () => a.json.some((m) => m.op === VoiceOp.DavePrepareEpoch));
    await pause(WAITS.readyWaitMs * 3);
    assert.deepEqual(log.list, []);
  });

  test('an op 23 that crosses a sole-member reset executes nothing in the next group', async () => {
    const { log, client, a, b } = await start((a) => {
      a.holdReady = true;
    });
    await waitFor('a processed the first commit', () => a.heldReady.length === 1);
    const [stale] = a.heldReady;
    b.leave();
    await waitFor('a reset to a new group', () => a.json.some((m) => m.op === VoiceOp.DavePrepareEpoch));
    a.heldReady.length = 0;
    a.holdReady = false;
    const c = client('1003');
    c.join();
    await waitFor('a and c in a new group', () => inOneGroup(a, c));
    a.heldReady.push(stale!);
    a.releaseReady(); // the op 23 a sent for the old group, arriving late
    await pause(WAITS.readyWaitMs * 3);
    assert.ok(!c.executed(stale!), 'c was told to execute a transition of the old group');
    assert.deepEqual(log.list, []);
  });

  test('a key package replaced mid-round is the one the member joins with', async () => {
    const { log, a, b } = await aAboutToWelcomeB();
    b.startOver(); // e.g. an op 24 epoch 1 or a new connection: the Add's key package is gone
    a.releaseCommits();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    assert.deepEqual(log.list, []);
  });

  test('op 31 for a welcome the member could no longer process re-adds it and is not recorded', async () => {
    const { log, a, b } = await aAboutToWelcomeB();
    b.beforeWelcome = () => b.startOver(); // b starts over while its welcome is on the wire
    a.releaseCommits();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    assert.deepEqual(log.list, []);
  });

  test('op 31 for a welcome built on the current key package is recorded, and the member is re-added', async () => {
    const { log, a, b } = await start((_, b) => {
      b.rejectNextWelcome = true;
      b.holdCommits = true;
    });
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    assert.equal(log.list.length, 1);
    assert.match(log.list[0]!, /^test:dave-op31: 1002 .*transition 1\b/);
  });

  test('op 31 naming a transition never sent to the member is recorded', async () => {
    const { group, log, a, b } = await start();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    group.onInvalidCommitWelcome('1002', 999);
    assert.equal(log.list.length, 1);
    assert.match(log.list[0]!, /^test:dave-op31: .*999/);
  });

  test('a joiner that cannot process a commit answers op 31 and is added from its next key package', async () => {
    const log = new DivergenceLog();
    const group = await DaveGroup.create(CHANNEL, log, 'test', 'first', WAITS);
    opened = group;
    const a = new TestClient('1001', group);
    a.join(); // alone: pending until someone else comes
    await pause(20);
    group.sendBrokenCommit();
    await pause(WAITS.readyWaitMs * 2); // the op 31 it owes would be recorded as missing by now
    assert.deepEqual(log.list, []);
    const b = new TestClient('1002', group);
    b.join();
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    assert.deepEqual(log.list, []);
  });

  test('op 31 for a welcome broken on purpose re-adds the joiner and is not recorded', async () => {
    const { group, log, a, b } = await start((a) => {
      a.holdCommits = true;
    });
    group.breakNextWelcome();
    await waitFor('a committed the Add of b', () => a.heldCommits.length === 1);
    a.releaseCommits();
    await waitFor(
      'a and b in one group, b added twice',
      () => inOneGroup(a, b) && (a.session.epoch ?? 0n) >= 2n,
    );
    assert.deepEqual(log.list, []);
  });

  test('a key package with another member’s signature key is recorded and never added', async () => {
    const shared = generateP256Keypair();
    const { log, client, a, b } = await start(() => {}, { keyPairOfB: shared });
    await waitFor('a and b in one group', () => inOneGroup(a, b));
    const impostor = client('1003', shared);
    impostor.join();
    await waitFor('the collision recorded', () => log.list.length > 0);
    assert.match(
      log.list[0]!,
      /^test:dave-signature-key: op 26 from 1003 carries the signature key of 1002's leaf/,
    );
    await pause(WAITS.commitWaitMs);
    assert.equal(impostor.session.ready, false, 'never added');
  });

  test('a member that starts over with its own signing key is recorded under the orb-transport profile only', async () => {
    for (const profile of ['discord', 'orb-transport'] as const) {
      const { log, a, b } = await start(() => {}, {
        log: new DivergenceLog(profile),
        keyPairOfB: generateP256Keypair(),
      });
      await waitFor('a and b in one group', () => inOneGroup(a, b));
      b.startOver(); // e.g. after op 31: the new leaf has the key of the stale one, which Discord takes
      await waitFor('b added again', () => inOneGroup(a, b) && (b.session.epoch ?? 0n) >= 2n);
      const reuse = log.list.filter((line) => line.includes('dave-signature-key-reuse'));
      assert.equal(reuse.length, profile === 'orb-transport' ? 1 : 0, profile);
      opened?.close();
    }
  });
});
