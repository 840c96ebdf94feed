// Binary DAVE framing on the voice websocket (protocol.md §2.1, 6.1) and the MLS varint (RFC 9420 2.1.2).

/** server → client: `[seq u16 BE][opcode u8][payload]`. */
export function serverBinaryFrame(seq: number, op: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(3 + payload.length);
  frame.writeUInt16BE(seq & 0xffff, 0);
  frame[2] = op;
  frame.set(payload, 3);
  return frame;
}

/** An MLS variable-length vector: varint length prefix, then the bytes. */
export function mlsVector(bytes: Uint8Array): Buffer {
  const n = bytes.length;
  let prefix: Buffer;
  if (n < 0x40) prefix = Buffer.from([n]);
  else if (n < 0x4000) prefix = Buffer.from([0x40 | (n >> 8), n & 0xff]);
  else if (n < 0x4000_0000) {
    prefix = Buffer.alloc(4);
    prefix.writeUInt32BE((0x8000_0000 | n) >>> 0);
  } else throw new RangeError(`MLS vector of ${n} bytes is too long`);
  return Buffer.concat([prefix, bytes]);
}

/** Big-endian u64 of a snowflake: the DAVE MLS group id and credential identity (protocol.md §6.1). */
export function u64be(id: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(id));
  return out;
}

export function u16be(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}
