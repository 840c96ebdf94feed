// Identifiers the simulated Discord hands out: snowflakes, voice tokens, SSRCs, stream keys.
import { randomBytes, randomInt } from 'node:crypto';

const SNOWFLAKE = /^\d{1,20}$/;

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && SNOWFLAKE.test(value) && BigInt(value) < 2n ** 64n;
}

/** A fresh snowflake well above any id a test would pick by hand. */
export function newSnowflake(): string {
  return (1_300_000_000_000_000_000n + BigInt(randomInt(1, 2 ** 47))).toString();
}

/** An opaque voice-server token, as in VOICE_SERVER_UPDATE / STREAM_SERVER_UPDATE. */
export function newVoiceToken(): string {
  return randomBytes(12).toString('hex');
}

/**
 * A random non-zero 32-bit SSRC. The three SSRCs of a connection are drawn independently so a
 * client that guesses video = audio + 1 (protocol.md §2.2: "don't") sends on an SSRC the server never gave.
 */
export function newSsrc(taken: ReadonlySet<number>): number {
  for (;;) {
    const ssrc = randomInt(1, 0xffff_ffff);
    if (!taken.has(ssrc) && !taken.has(ssrc - 1) && !taken.has(ssrc - 2)) return ssrc;
  }
}

/** protocol.md §1.2: guild stream key `guild:<guild_id>:<channel_id>:<user_id>`. */
export function guildStreamKey(guildId: string, channelId: string, userId: string): string {
  return `guild:${guildId}:${channelId}:${userId}`;
}
