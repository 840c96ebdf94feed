// What the simulator holds a client to. `discord` is what Discord's voice servers accept: the
// official @discordjs/voice client, known to work against real Discord, passes it with no
// divergence (npm run conformance). `orb-transport` adds the choices our own Go Live transport
// makes on top (protocol.md §9): Discord does not require them, but our transport promised them,
// so its tests hold it to them.

export type SimProfile = 'discord' | 'orb-transport';

/**
 * Every rule only the `orb-transport` profile checks, by divergence kind (the part after
 * `voice:` / `stream:` / `gateway:`), with why Discord does not require it.
 */
export const ORB_TRANSPORT_RULES: Readonly<Record<string, string>> = {
  'identify-video': '@discordjs/voice identifies with no `video` field',
  'identify-streams': '@discordjs/voice identifies with no `streams` field',
  codecs: '@discordjs/voice selects the protocol with no `codecs`; Discord then uses opus 120',
  'select-protocol-mode':
    'READY offers both AEAD modes; @discordjs/voice falls back to xchacha20 where AES-GCM is missing',
  'op12-off': '@discordjs/voice never sends op 12; the "off" form is our transport announcing its video',
  'video-on-main': 'a client with a camera sends active video on its voice connection',
  'speaking-soundshare': '@discordjs/voice speaks with flag 1 (microphone); soundshare (2) is our choice',
  'rtcp-missing': '@discordjs/voice sends no RTCP at all',
  'dave-signature-key-reuse':
    "libdave (Discord's own) can sign every session with one persisted key; a fresh pair per session is the library clients' way, and ours",
  'playout-delay':
    "@discordjs/voice sends no header extension; the exact playout delays are Discord-video-stream 6's, which we chose",
  'media-on-main': "audio on the voice connection is @discordjs/voice's whole purpose",
  'stop-sequence': 'op 19 ends the stream whatever the stream connection last said',
  'leave-while-live': 'leaving voice ends a live stream; sending op 19 first is our choice',
  'keyframe-interval':
    'Discord sets no keyframe interval; ours is 1 s when transcoding and at most 3 s for a copied source',
};

/** True when `kind` (`<label>:<rule>`) is checked under `profile`. */
export function profileChecks(profile: SimProfile, kind: string): boolean {
  if (profile === 'orb-transport') return true;
  return !Object.hasOwn(ORB_TRANSPORT_RULES, kind.slice(kind.indexOf(':') + 1));
}
