// The native send path (native/media-send.c): packet sealing on one long-lived AES-256-GCM context
// and batched, kernel-segmented sends (sendmmsg, UDP GSO), when scripts/build-native.ts could build
// it. Without it the transport seals with Node's crypto and sends with dgram: the same bytes on the
// wire, at about 1.8 times the CPU: 0.054 CPU-seconds per media second against 0.027–0.033 in the
// golive bench (docs/golive-open-points.md, "Transport CPU").
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../error-message.ts';
import { MEDIA_SEND_ENV } from '../../worker-contract/environment.ts';

/** An AES-256-GCM context holding one connection's key; opaque to JavaScript. */
export type NativeSealer = { readonly __nativeSealer: unique symbol };

export interface NativeMediaSend {
  createSealer(key: Buffer): NativeSealer;
  /** Writes header | ciphertext | tag | counter at out[offset]; returns its length. */
  seal(
    sealer: NativeSealer,
    header: Buffer,
    body: Buffer,
    counter: number,
    out: Buffer,
    offset: number,
  ): number;
  /** A fresh non-blocking IPv4 UDP descriptor for dgram's bind({ fd }). */
  openUdp4(): number;
  /**
   * Sends datagrams[from..to) (at most 64; runs of equal sizes as one kernel-segmented message,
   * each still arriving as its own datagram); how many the kernel took, or -errno if none.
   */
  sendBatch(fd: number, datagrams: readonly (readonly Buffer[])[], from: number, to: number): number;
}

export type MediaSendPath = { kind: 'native'; module: NativeMediaSend } | { kind: 'js'; reason: string };

const MODULE_PATH = fileURLToPath(new URL('../../../native/build/media-send.node', import.meta.url));

function load(): MediaSendPath {
  // `ORB_MEDIA_SEND=js` turns the native path off (to compare, or to rule it out).
  if (process.env[MEDIA_SEND_ENV] === 'js') return { kind: 'js', reason: `${MEDIA_SEND_ENV}=js` };
  try {
    return { kind: 'native', module: createRequire(import.meta.url)(MODULE_PATH) as NativeMediaSend };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      kind: 'js',
      reason:
        code === 'MODULE_NOT_FOUND'
          ? 'native/build/media-send.node is not built (npm run build:native needs a C compiler)'
          : `native/build/media-send.node did not load: ${errorMessage(error)}`,
    };
  }
}

export const mediaSendPath: MediaSendPath = load();

/** The native module, or null when packets go through Node's crypto and dgram. */
export const nativeMediaSend: NativeMediaSend | null =
  mediaSendPath.kind === 'native' ? mediaSendPath.module : null;

/** One line for the logs: which send path this process uses, and why not the native one. */
export function describeMediaSendPath(): string {
  return mediaSendPath.kind === 'native'
    ? 'native (one AES-GCM context per connection, sendmmsg, UDP GSO where the kernel takes it)'
    : `Node crypto and dgram: ${mediaSendPath.reason}`;
}
