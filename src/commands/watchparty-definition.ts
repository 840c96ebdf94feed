// The `/watchparty` command as Discord registers it. Option names here are the ones the parser in
// watchparty-options.ts reads; Discord enforces the ranges and lengths declared here client-side,
// and the parser checks them again because a payload can claim anything.
import {
  ChannelType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder,
} from 'discord.js';

export const watchpartyCommandName = 'watchparty';
export const maxTitleLength = 100;
export const maxSeekTextLength = 16;
/** The longest queue the service keeps; positions beyond cannot exist. */
export const maxQueuePosition = 500;

export function watchpartyCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return new SlashCommandBuilder()
    .setName(watchpartyCommandName)
    .setDescription('Watch films and series from Jellyfin together in a voice channel')
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((sub) =>
      sub
        .setName('create')
        .setDescription('Create a watch party in a voice channel (yours by default)')
        .addStringOption((option) =>
          option
            .setName('media')
            .setDescription('Something to play right away')
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addChannelOption((option) =>
          option
            .setName('voice')
            .setDescription('The voice channel to stream into (default: the one you are in)')
            .addChannelTypes(ChannelType.GuildVoice, ChannelType.GuildStageVoice),
        )
        .addStringOption((option) =>
          option.setName('title').setDescription('A name for the party').setMaxLength(maxTitleLength),
        ),
    )
    .addSubcommand((sub) =>
      sub
        .setName('queue')
        .setDescription('Add a film or an episode to the party; the first one starts it')
        .addStringOption((option) =>
          option
            .setName('media')
            .setDescription('A film or series: start typing its title')
            .setAutocomplete(true)
            .setRequired(true)
            .setMaxLength(100),
        )
        .addStringOption((option) =>
          option
            .setName('episode')
            .setDescription('For a series: which episode (default: the first)')
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addBooleanOption((option) =>
          option.setName('next').setDescription('Play it right after the current item'),
        ),
    )
    .addSubcommand((sub) => sub.setName('start').setDescription('Start playing the queue'))
    .addSubcommand((sub) => sub.setName('pause').setDescription('Pause the stream'))
    .addSubcommand((sub) => sub.setName('resume').setDescription('Resume the stream'))
    .addSubcommand((sub) => sub.setName('skip').setDescription('Skip to the next item in the queue'))
    .addSubcommand((sub) =>
      sub
        .setName('seek')
        .setDescription('Jump to a time: 1:23:45, 83:45, 90, +30, -10 or 1h2m')
        .addStringOption((option) =>
          option
            .setName('time')
            .setDescription('1:23:45, 83:45, 90 (seconds), +30 or -10 (jump), 1h2m')
            .setRequired(true)
            .setMaxLength(maxSeekTextLength),
        ),
    )
    .addSubcommand((sub) => sub.setName('stop').setDescription('End the watch party'))
    .addSubcommand((sub) => sub.setName('nowplaying').setDescription('Show what is playing, with controls'))
    .addSubcommand((sub) =>
      sub
        .setName('list')
        .setDescription('Show the queue')
        .addIntegerOption((option) => option.setName('page').setDescription('Page number').setMinValue(1)),
    )
    .addSubcommand((sub) =>
      sub
        .setName('remove')
        .setDescription('Remove an item from the queue')
        .addIntegerOption((option) =>
          option
            .setName('position')
            .setDescription('Its number in /watchparty list')
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(maxQueuePosition),
        ),
    )
    .addSubcommand((sub) =>
      sub
        .setName('move')
        .setDescription('Move an item to another place in the queue')
        .addIntegerOption((option) =>
          option
            .setName('from')
            .setDescription('Its number now')
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(maxQueuePosition),
        )
        .addIntegerOption((option) =>
          option
            .setName('to')
            .setDescription('Its new number')
            .setRequired(true)
            .setMinValue(1)
            .setMaxValue(maxQueuePosition),
        ),
    )
    .addSubcommand((sub) => sub.setName('clear').setDescription('Remove everything that is still queued'))
    .toJSON();
}
