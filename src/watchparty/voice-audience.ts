// Who is in a party's voice channel: the people a watcher count, a vote or an idle party asks about.
// The Discord door implements it from the bot's voice states (src/discord/voice-audience.ts); the
// domain only reads it, so tests hand in their own.

/** A person in a voice channel. */
export interface VoiceListener {
  userId: string;
  /**
   * The name the server shows for them (nickname, else display name, else user name); null when the
   * bot has not been told it, and a door shows them its own way (Discord: a mention).
   */
  displayName: string | null;
}

export interface VoiceChannelRef {
  guildId: string;
  voiceChannelId: string;
}

export type VoiceAudienceChange = (channel: VoiceChannelRef) => void;

export interface VoiceAudience {
  /**
   * The people in the channel now, sorted by name: bots and the streaming accounts that play the
   * parties are left out, so an empty list means nobody is there to watch.
   */
  listeners(channel: VoiceChannelRef): VoiceListener[];
  /** Calls `onChange` with each channel someone joined or left; returns the function that stops it. */
  subscribe(onChange: VoiceAudienceChange): () => void;
}
