// aead_aes256_gcm_rtpsize (protocol.md §5): the header is additional data, everything after it is
// encrypted, then the 16-byte tag and the 4-byte nonce counter go on the end. One counter per
// connection, shared by audio, video and RTCP: a repeated nonce would break GCM.
import { createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { type Datagram, MAX_QUEUED_BYTES } from './media-udp.ts';
import { type NativeMediaSend, type NativeSealer, nativeMediaSend } from './native-media-send.ts';
import type { RtpPacket } from './rtp.ts';

export const TRANSPORT_MODE = 'aead_aes256_gcm_rtpsize';

export const TAG_BYTES = 16;
export const NONCE_SUFFIX_BYTES = 4;

/** Seals one packet under a given nonce counter into the datagram that goes on the wire. */
interface PacketSealer {
  seal(packet: RtpPacket, counter: number): Datagram;
}

export class TransportCipher {
  readonly #sealer: PacketSealer;
  #counter = 0;

  /** `native` is the native send module, or null for Node's crypto (the default is whichever loaded). */
  constructor(secretKey: readonly number[] | Uint8Array, native: NativeMediaSend | null = nativeMediaSend) {
    const key = Buffer.from(secretKey);
    if (key.length !== 32) throw new Error(`secret_key must be 32 bytes, got ${key.length}`);
    this.#sealer = native ? new ArenaSealer(native, key) : new NodeCryptoSealer(key);
  }

  /** How many packets this key has protected (the last nonce used). */
  get counter(): number {
    return this.#counter;
  }

  seal(packet: RtpPacket): Datagram {
    this.#counter = (this.#counter + 1) >>> 0;
    return this.#sealer.seal(packet, this.#counter);
  }
}

/**
 * Node's crypto: a cipher object per packet (Node has no AEAD call that reuses a context). The
 * datagram is its parts in wire order (header, ciphertext, tag, nonce suffix); the socket gathers
 * them (sendmsg), so nothing is copied into a joined buffer.
 */
class NodeCryptoSealer implements PacketSealer {
  /** Imported once: handing createCipheriv raw bytes would re-import the key for every packet. */
  readonly #key: KeyObject;
  readonly #nonce = Buffer.alloc(12);

  constructor(key: Buffer) {
    this.#key = createSecretKey(key);
  }

  seal(packet: RtpPacket, counter: number): Datagram {
    this.#nonce.writeUInt32BE(counter, 0);
    const cipher = createCipheriv('aes-256-gcm', this.#key, this.#nonce);
    cipher.setAAD(packet.header);
    const ciphertext = cipher.update(packet.body);
    cipher.final();
    const suffix = Buffer.allocUnsafe(NONCE_SUFFIX_BYTES);
    suffix.writeUInt32BE(counter, 0);
    return [packet.header, ciphertext, cipher.getAuthTag(), suffix];
  }
}

/** Every video packet and any ordinary Opus packet seals to less than this. */
const MAX_ARENA_DATAGRAM_BYTES = 2048;
/**
 * Sealed datagrams wait in MediaUdp's queue, which drops its oldest beyond MAX_QUEUED_BYTES. A
 * datagram still queued therefore lies within the last MAX_QUEUED_BYTES sealed after it, so an
 * arena this big (plus room for itself and one wrap-around's unused tail) never overwrites one.
 */
const ARENA_BYTES = MAX_QUEUED_BYTES + 2 * MAX_ARENA_DATAGRAM_BYTES;

/**
 * The native sealer: one AES-256-GCM context per connection writes each datagram whole into a
 * reused arena, so a packet costs one native call and no new buffer (fewer full GCs).
 */
class ArenaSealer implements PacketSealer {
  readonly #native: NativeMediaSend;
  readonly #context: NativeSealer;
  /** Allocated on the first packet: a connection that never sends media never needs one. */
  #arena: Buffer | null = null;
  #at = 0;

  constructor(native: NativeMediaSend, key: Buffer) {
    this.#native = native;
    this.#context = native.createSealer(key);
  }

  seal(packet: RtpPacket, counter: number): Datagram {
    const bytes = packet.header.length + packet.body.length + TAG_BYTES + NONCE_SUFFIX_BYTES;
    if (bytes > MAX_ARENA_DATAGRAM_BYTES) {
      // Outside the arena's bound (an outsized Opus packet): a buffer of its own.
      const own = Buffer.allocUnsafe(bytes);
      this.#native.seal(this.#context, packet.header, packet.body, counter, own, 0);
      return [own];
    }
    this.#arena ??= Buffer.allocUnsafe(ARENA_BYTES);
    const arena = this.#arena;
    if (this.#at + bytes > arena.length) this.#at = 0;
    const at = this.#at;
    this.#at += this.#native.seal(this.#context, packet.header, packet.body, counter, arena, at);
    return [arena.subarray(at, this.#at)];
  }
}
