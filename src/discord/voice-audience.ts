// The voice audience from the bot's own voice-state cache (the GuildVoiceStates intent fills it from
// GUILD_CREATE and keeps it current with VOICE_STATE_UPDATE), so counting who watches costs no
// request. The streaming accounts are user accounts, not bots: they are told apart by their ids.
import { type Client, Events, type VoiceState } from 'discord.js';
import type {
  VoiceAudience,
  VoiceAudienceChange,
  VoiceChannelRef,
  VoiceListener,
} from '../watchparty/voice-audience.ts';

/** What a voice audience needs to let go of its gateway listener when the bot stops. */
export interface ClosableVoiceAudience extends VoiceAudience {
  close(): void;
}

export function discordVoiceAudience(
  client: Client,
  streamingAccountIds: ReadonlySet<string>,
): ClosableVoiceAudience {
  const subscribers = new Set<VoiceAudienceChange>();
  const tell = (channel: VoiceChannelRef) => {
    for (const onChange of subscribers) onChange(channel);
  };
  // Mutes, deafens and Go Lives change no one's presence; a move changes two channels.
  const onVoiceState = (before: VoiceState, after: VoiceState) => {
    if (before.channelId === after.channelId) return;
    if (before.channelId) tell({ guildId: before.guild.id, voiceChannelId: before.channelId });
    if (after.channelId) tell({ guildId: after.guild.id, voiceChannelId: after.channelId });
  };
  client.on(Events.VoiceStateUpdate, onVoiceState);

  const isPerson = (state: VoiceState) => {
    const user = state.member?.user ?? client.users.cache.get(state.id);
    return user?.bot !== true && !streamingAccountIds.has(state.id);
  };
  const nameOf = (state: VoiceState) =>
    state.member?.displayName ?? client.users.cache.get(state.id)?.displayName ?? null;

  return {
    listeners({ guildId, voiceChannelId }) {
      const states = client.guilds.cache.get(guildId)?.voiceStates.cache;
      if (!states) return [];
      return states
        .filter((state) => state.channelId === voiceChannelId && isPerson(state))
        .map((state): VoiceListener => ({ userId: state.id, displayName: nameOf(state) }))
        .sort((a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? ''));
    },
    subscribe(onChange) {
      subscribers.add(onChange);
      return () => subscribers.delete(onChange);
    },
    close() {
      client.off(Events.VoiceStateUpdate, onVoiceState);
      subscribers.clear();
    },
  };
}
