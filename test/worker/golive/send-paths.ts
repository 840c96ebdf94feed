// The two ways the transport can seal and send a packet: the native module (when it is built) and
// Node's crypto and dgram. Tests of the send path run once on each, so the fallback stays honest.
import {
  describeMediaSendPath,
  type NativeMediaSend,
  nativeMediaSend,
} from '../../../src/worker/golive/native-media-send.ts';

export interface SendPath {
  name: string;
  native: NativeMediaSend | null;
  /** Why this path's tests cannot run here, or false. */
  skip: string | false;
}

export const sendPaths: readonly SendPath[] = [
  {
    name: 'native send path',
    native: nativeMediaSend,
    skip: nativeMediaSend ? false : describeMediaSendPath(),
  },
  { name: 'Node crypto and dgram', native: null, skip: false },
];
