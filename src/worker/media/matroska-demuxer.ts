// A streaming Matroska reader for exactly what ffmpeg writes to a pipe: an unknown-size Segment,
// Info, Tracks and one Cluster per packet. It hands out every packet with
// its track, timestamp and keyframe flag as soon as its bytes have arrived, whatever the chunking.

export interface MatroskaTrack {
  number: number;
  kind: 'video' | 'audio' | 'other';
  codecId: string;
  codecPrivate: Buffer | null;
}

export interface MatroskaPacket {
  track: number;
  /** Timestamp in milliseconds (ffmpeg writes a TimestampScale of 1 ms). */
  timestampMs: number;
  keyframe: boolean;
  data: Buffer;
}

export interface MatroskaHandlers {
  tracks(tracks: MatroskaTrack[]): void;
  packet(packet: MatroskaPacket): void;
}

export class MatroskaFormatError extends Error {
  constructor(message: string) {
    super(`unreadable Matroska stream from ffmpeg: ${message}`);
    this.name = 'MatroskaFormatError';
  }
}

const ids = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  cluster: 0x1f43b675,
  info: 0x1549a966,
  timestampScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  clusterTimestamp: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
  referenceBlock: 0xfb,
} as const;

/** Containers we step into instead of waiting for (their size may be unknown). */
const enteredContainers = new Set<number>([ids.segment, ids.cluster]);

/** No element we care about comes near this; anything larger is a corrupt stream, not a buffer to grow. */
const MAX_ELEMENT_BYTES = 64 * 1024 * 1024;

interface Vint {
  value: number;
  length: number;
  unknown: boolean;
}

/** Reads an EBML variable-size integer; `keepMarker` for element ids. Null when more bytes are needed. */
function readVint(buffer: Buffer, offset: number, keepMarker: boolean): Vint | null {
  if (offset >= buffer.length) return null;
  const first = buffer[offset]!;
  if (first === 0) throw new MatroskaFormatError(`invalid variable-size integer at byte ${offset}`);
  const length = Math.clz32(first) - 23;
  if (offset + length > buffer.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = buffer[offset + i]!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function readUnsigned(data: Buffer): number {
  let value = 0;
  for (const byte of data) value = value * 256 + byte;
  return value;
}

/** Walks the children of a fully buffered element. */
function* children(data: Buffer): Generator<{ id: number; body: Buffer }> {
  let offset = 0;
  while (offset < data.length) {
    const id = readVint(data, offset, true);
    const size = id && readVint(data, offset + id.length, false);
    if (!id || !size || size.unknown) throw new MatroskaFormatError('truncated child element');
    const start = offset + id.length + size.length;
    yield { id: id.value, body: data.subarray(start, start + size.value) };
    offset = start + size.value;
  }
}

function trackKind(type: number): MatroskaTrack['kind'] {
  if (type === 1) return 'video';
  if (type === 2) return 'audio';
  return 'other';
}

export class MatroskaDemuxer {
  readonly #handlers: MatroskaHandlers;
  /** Bytes received but not parsed yet, and how many the element at their head needs. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  #needed = 0;
  #timestampScaleNs = 1_000_000;
  #clusterTimestamp = 0;

  constructor(handlers: MatroskaHandlers) {
    this.#handlers = handlers;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    // Wait for the whole pending element instead of re-parsing (and re-copying) on every chunk.
    if (this.#buffered < this.#needed) return;
    const buffer = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#buffered);
    let offset = 0;
    this.#needed = 0;
    for (;;) {
      const id = readVint(buffer, offset, true);
      const size = id && readVint(buffer, offset + id.length, false);
      if (!id || !size) {
        this.#needed = buffer.length - offset + 1;
        break;
      }
      const bodyStart = offset + id.length + size.length;
      if (enteredContainers.has(id.value) || size.unknown) {
        offset = bodyStart;
        continue;
      }
      if (size.value > MAX_ELEMENT_BYTES) throw new MatroskaFormatError(`element of ${size.value} bytes`);
      const bodyEnd = bodyStart + size.value;
      if (bodyEnd > buffer.length) {
        this.#needed = bodyEnd - offset;
        break;
      }
      this.#handle(id.value, buffer.subarray(bodyStart, bodyEnd));
      offset = bodyEnd;
    }
    // Copy the unread tail so the (possibly large) buffer it came from can be collected.
    const rest = offset >= buffer.length ? null : Buffer.from(buffer.subarray(offset));
    this.#chunks = rest ? [rest] : [];
    this.#buffered = rest?.length ?? 0;
  }

  #handle(id: number, body: Buffer): void {
    switch (id) {
      case ids.info:
        for (const child of children(body)) {
          if (child.id === ids.timestampScale) this.#timestampScaleNs = readUnsigned(child.body);
        }
        return;
      case ids.tracks:
        this.#handlers.tracks(this.#readTracks(body));
        return;
      case ids.clusterTimestamp:
        this.#clusterTimestamp = readUnsigned(body);
        return;
      case ids.simpleBlock:
        this.#readBlock(body, (body[this.#blockHeaderLength(body) - 1]! & 0x80) !== 0);
        return;
      case ids.blockGroup: {
        let block: Buffer | null = null;
        let referencesOthers = false;
        for (const child of children(body)) {
          if (child.id === ids.block) block = child.body;
          if (child.id === ids.referenceBlock) referencesOthers = true;
        }
        if (block) this.#readBlock(block, !referencesOthers);
        return;
      }
      default:
      // EBML header, SeekHead, Void, Tags, CRC-32, Cues: nothing a player needs.
    }
  }

  #readTracks(body: Buffer): MatroskaTrack[] {
    const tracks: MatroskaTrack[] = [];
    for (const entry of children(body)) {
      if (entry.id !== ids.trackEntry) continue;
      const track: MatroskaTrack = { number: 0, kind: 'other', codecId: '', codecPrivate: null };
      for (const field of children(entry.body)) {
        if (field.id === ids.trackNumber) track.number = readUnsigned(field.body);
        else if (field.id === ids.trackType) track.kind = trackKind(readUnsigned(field.body));
        else if (field.id === ids.codecId) track.codecId = field.body.toString('latin1');
        else if (field.id === ids.codecPrivate) track.codecPrivate = Buffer.from(field.body);
      }
      tracks.push(track);
    }
    return tracks;
  }

  /** Track vint + 16-bit timecode + flags byte. */
  #blockHeaderLength(block: Buffer): number {
    const track = readVint(block, 0, false);
    if (!track || block.length < track.length + 3) throw new MatroskaFormatError('truncated block');
    return track.length + 3;
  }

  #readBlock(block: Buffer, keyframe: boolean): void {
    const track = readVint(block, 0, false)!;
    const headerLength = this.#blockHeaderLength(block);
    const relative = block.readInt16BE(track.length);
    const flags = block[headerLength - 1]!;
    if ((flags & 0x06) !== 0) throw new MatroskaFormatError('laced blocks are not supported');
    const timestampMs = ((this.#clusterTimestamp + relative) * this.#timestampScaleNs) / 1_000_000;
    this.#handlers.packet({
      track: track.value,
      timestampMs,
      keyframe,
      data: block.subarray(headerLength),
    });
  }
}
