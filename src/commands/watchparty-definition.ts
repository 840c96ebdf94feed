// The `/watchparty` command as Discord registers it. Option names here are the ones the parser in
// watchparty-options.ts reads; Discord enforces the ranges and lengths declared here client-side,
// and the parser checks them again because a payload can claim anything. Names and descriptions
// come from the catalogs (src/i18n/catalogs/), so Discord shows them in each member's language.
import {
  ChannelType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder,
} from 'discord.js';
import { localized, localizedDescription } from './command-localizations.ts';

export const watchpartyCommandName = 'watchparty';
export const maxTitleLength = 100;
export const maxSeekTextLength = 16;
/** A track as typed or picked: a stream index, a language code (ja, jpn) or `off`. */
export const maxTrackTextLength = 32;
/** The longest queue the service keeps; positions beyond cannot exist. */
export const maxQueuePosition = 500;

export function watchpartyCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return localizedDescription(new SlashCommandBuilder(), 'command.description')
    .setName(watchpartyCommandName)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((sub) =>
      localized(sub, 'sub.create.name', 'sub.create.description')
        .addStringOption((option) =>
          localized(option, 'option.media.name', 'option.create.media.description')
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addChannelOption((option) =>
          localized(option, 'option.voice.name', 'option.create.voice.description').addChannelTypes(
            ChannelType.GuildVoice,
            ChannelType.GuildStageVoice,
          ),
        )
        .addStringOption((option) =>
          localized(option, 'option.title.name', 'option.create.title.description').setMaxLength(
            maxTitleLength,
          ),
        ),
    )
    .addSubcommand((sub) =>
      localized(sub, 'sub.queue.name', 'sub.queue.description')
        .addStringOption((option) =>
          localized(option, 'option.media.name', 'option.queue.media.description')
            .setAutocomplete(true)
            .setRequired(true)
            .setMaxLength(100),
        )
        .addStringOption((option) =>
          localized(option, 'option.episode.name', 'option.queue.episode.description')
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addBooleanOption((option) => localized(option, 'option.next.name', 'option.queue.next.description'))
        .addStringOption((option) =>
          localized(option, 'option.audio.name', 'option.queue.audio.description')
            .setAutocomplete(true)
            .setMaxLength(maxTrackTextLength),
        )
        .addStringOption((option) =>
          localized(option, 'option.subtitles.name', 'option.queue.subtitles.description')
            .setAutocomplete(true)
            .setMaxLength(maxTrackTextLength),
        )
        .addStringOption((option) =>
          localized(option, 'option.startFrom.name', 'option.queue.from.description').setMaxLength(
            maxSeekTextLength,
          ),
        ),
    )
    .addSubcommand((sub) =>
      localized(sub, 'sub.audio.name', 'sub.audio.description').addStringOption((option) =>
        localized(option, 'option.track.name', 'option.audio.track.description')
          .setAutocomplete(true)
          .setRequired(true)
          .setMaxLength(maxTrackTextLength),
      ),
    )
    .addSubcommand((sub) =>
      localized(sub, 'sub.subtitles.name', 'sub.subtitles.description').addStringOption((option) =>
        localized(option, 'option.track.name', 'option.subtitles.track.description')
          .setAutocomplete(true)
          .setRequired(true)
          .setMaxLength(maxTrackTextLength),
      ),
    )
    .addSubcommand((sub) => localized(sub, 'sub.start.name', 'sub.start.description'))
    .addSubcommand((sub) => localized(sub, 'sub.pause.name', 'sub.pause.description'))
    .addSubcommand((sub) => localized(sub, 'sub.resume.name', 'sub.resume.description'))
    .addSubcommand((sub) => localized(sub, 'sub.skip.name', 'sub.skip.description'))
    .addSubcommand((sub) =>
      localized(sub, 'sub.seek.name', 'sub.seek.description').addStringOption((option) =>
        localized(option, 'option.time.name', 'option.seek.time.description')
          .setRequired(true)
          .setMaxLength(maxSeekTextLength),
      ),
    )
    .addSubcommand((sub) => localized(sub, 'sub.stop.name', 'sub.stop.description'))
    .addSubcommand((sub) => localized(sub, 'sub.nowplaying.name', 'sub.nowplaying.description'))
    .addSubcommand((sub) =>
      localized(sub, 'sub.list.name', 'sub.list.description').addIntegerOption((option) =>
        localized(option, 'option.page.name', 'option.list.page.description').setMinValue(1),
      ),
    )
    .addSubcommand((sub) =>
      localized(sub, 'sub.remove.name', 'sub.remove.description').addIntegerOption((option) =>
        localized(option, 'option.position.name', 'option.remove.position.description')
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(maxQueuePosition),
      ),
    )
    .addSubcommand((sub) =>
      localized(sub, 'sub.move.name', 'sub.move.description')
        .addIntegerOption((option) =>
          localized(option, 'option.from.name', 'option.move.from.description')
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(maxQueuePosition),
        )
        .addIntegerOption((option) =>
          localized(option, 'option.to.name', 'option.move.to.description')
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(maxQueuePosition),
        ),
    )
    .addSubcommand((sub) => localized(sub, 'sub.clear.name', 'sub.clear.description'))
    .toJSON();
}
