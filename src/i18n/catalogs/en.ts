// English: the default language, and the one the logs and the API speak. Every other catalog has
// exactly these keys (catalog.ts derives the type from this file), with the same parameters.
import { plural } from '../plural.ts';

/** Subcommand names as members type them; texts that name a command use these. */
const sub = {
  create: 'create',
  queue: 'queue',
  audio: 'audio',
  subtitles: 'subtitles',
  start: 'start',
  pause: 'pause',
  resume: 'resume',
  skip: 'skip',
  seek: 'seek',
  stop: 'stop',
  nowplaying: 'nowplaying',
  list: 'list',
  remove: 'remove',
  move: 'move',
  clear: 'clear',
};
const command = (name: keyof typeof sub) => `\`/watchparty ${sub[name]}\``;
const seekFormats = 'Use a time such as 1:23:45, 83:45, 90 (seconds), +30 or -10 (jump), or 1h2m3s.';
const n = (count: number, one: string, other: string) => `${count} ${plural('en', count, { one, other })}`;

export const en = {
  // The command as Discord shows it: subcommand and option names, and their descriptions.
  'command.description': 'Watch films and series from Jellyfin together in a voice channel',
  'sub.create.name': sub.create,
  'sub.create.description': 'Create a watch party in a voice channel (yours by default)',
  'sub.queue.name': sub.queue,
  'sub.queue.description': 'Add a film or an episode to the party; the first one starts it',
  'sub.audio.name': sub.audio,
  'sub.audio.description': 'Switch the audio track of what plays now; it keeps playing where it is',
  'sub.subtitles.name': sub.subtitles,
  'sub.subtitles.description': 'Show subtitles in the stream, or turn them off; it keeps playing where it is',
  'sub.start.name': sub.start,
  'sub.start.description': 'Start playing the queue',
  'sub.pause.name': sub.pause,
  'sub.pause.description': 'Pause the stream',
  'sub.resume.name': sub.resume,
  'sub.resume.description': 'Resume the stream',
  'sub.skip.name': sub.skip,
  'sub.skip.description': 'Skip to the next item in the queue',
  'sub.seek.name': sub.seek,
  'sub.seek.description': 'Jump to a time: 1:23:45, 83:45, 90, +30, -10 or 1h2m',
  'sub.stop.name': sub.stop,
  'sub.stop.description': 'End the watch party',
  'sub.nowplaying.name': sub.nowplaying,
  'sub.nowplaying.description': 'Show what is playing, with controls',
  'sub.list.name': sub.list,
  'sub.list.description': 'Show the queue',
  'sub.remove.name': sub.remove,
  'sub.remove.description': 'Remove an item from the queue',
  'sub.move.name': sub.move,
  'sub.move.description': 'Move an item to another place in the queue',
  'sub.clear.name': sub.clear,
  'sub.clear.description': 'Remove everything that is still queued',
  'option.media.name': 'media',
  'option.voice.name': 'voice',
  'option.title.name': 'title',
  'option.episode.name': 'episode',
  'option.next.name': 'next',
  'option.audio.name': 'audio',
  'option.subtitles.name': 'subtitles',
  'option.track.name': 'track',
  'option.time.name': 'time',
  'option.page.name': 'page',
  'option.position.name': 'position',
  'option.from.name': 'from',
  'option.to.name': 'to',
  'option.startFrom.name': 'from',
  'option.create.media.description': 'Something to play right away',
  'option.create.voice.description': 'The voice channel to stream into (default: the one you are in)',
  'option.create.title.description': 'A name for the party',
  'option.queue.media.description': 'A film or series: start typing its title',
  'option.queue.episode.description': 'For a series: which episode (default: the next one to watch)',
  'option.queue.next.description': 'Play it right after the current item',
  'option.queue.audio.description': 'Audio track or language, such as jpn (default: the server’s choice)',
  'option.queue.subtitles.description': 'Subtitles to show, or off (default: the server’s choice)',
  'option.queue.from.description':
    'Where to start: resume, start, or a time such as 1:02:10 (default: where it stopped)',
  'option.audio.track.description': 'A language or a track: start typing to see them',
  'option.subtitles.track.description': 'A language, a track, or off: start typing to see them',
  'option.seek.time.description': '1:23:45, 83:45, 90 (seconds), +30 or -10 (jump), 1h2m',
  'option.list.page.description': 'Page number',
  'option.remove.position.description': `Its number in /watchparty ${sub.list}`,
  'option.move.from.description': 'Its number now',
  'option.move.to.description': 'Its new number',

  // What each option must look like, after "The `option` option must be".
  'help.voice': 'a voice channel',
  'help.title': (p: { max: number }) => `a name of at most ${p.max} characters`,
  'help.media': 'a title picked from the suggestions',
  'help.episode': 'an episode picked from the suggestions',
  'help.next': 'true or false',
  'help.audio': 'an audio track picked from the suggestions, or a language code such as jpn',
  'help.subtitles': 'a subtitle track picked from the suggestions, a language code such as eng, or off',
  'help.track': 'a track picked from the suggestions, or a language code such as jpn',
  'help.time': 'a time such as 1:23:45, 83:45, 90, +30, -10 or 1h2m',
  'help.page': 'a page number from 1',
  'help.position': (p: { max: number }) =>
    `a queue number from 1 to ${p.max}, as ${command('list')} shows it`,
  'help.from': (p: { max: number }) => `a queue number from 1 to ${p.max}`,
  'help.to': (p: { max: number }) => `a queue number from 1 to ${p.max}`,
  'help.other': 'valid',

  // Failures: what happened and what to do (src/watchparty/failures.ts).
  'failure.jellyfin_unreachable':
    'Jellyfin is not answering. Try again in a few minutes; if it stays down, ask the server admin.',
  'failure.jellyfin_refused_key': 'Jellyfin refused the bot’s key; ask the server admin.',
  'failure.jellyfin_error':
    'Jellyfin answered with an error. Try again in a moment; if it keeps happening, ask the server admin.',
  'failure.item_missing': 'Jellyfin no longer has this file; pick something else.',
  'failure.item_refused': 'Jellyfin will not play this item; pick something else, or ask the server admin.',
  'failure.file_unreadable': 'This file cannot be played (it is damaged or in a format the bot cannot read).',
  'failure.file_ended_early': 'This file ended early.',
  'failure.file_ended_early_at': (p: { at: string }) => `This file ended early at ${p.at}.`,
  'failure.streamers_busy':
    'Every streaming account is busy with another watch party. Stop one, or ask the server admin to add an account.',
  'failure.streamer_login_failed':
    'The bot’s streaming account could not log in to Discord; ask the server admin.',
  'failure.stream_failed':
    'The stream to Discord would not take this item; if it keeps happening, ask the server admin.',
  'failure.worker_unavailable':
    'The video stream is not responding. Try again in a moment; if it keeps failing, ask the server admin.',
  'failure.worker_crashed': `The stream kept crashing, so the party stopped. Use ${command('start')} to try again.`,
  'failure.unexpected': 'Something went wrong on our side; it has been logged. Try again in a moment.',
  'failure.forManagers': (p: { detail: string }) => `-# For server managers: ${p.detail}`,

  // Refusals (src/watchparty/permissions.ts): who may, and how to become one.
  'refusal.joinToQueue': (p: { channelId: string }) =>
    `Join the party's voice channel <#${p.channelId}> to add to its queue.`,
  'refusal.joinToStart': (p: { channelId: string }) =>
    `Join the party's voice channel <#${p.channelId}> to start it.`,
  'refusal.joinToControl': (p: { channelId: string }) =>
    `Join the party's voice channel <#${p.channelId}> to control it.`,
  'refusal.joinToCreate': (p: { channelId: string }) =>
    `Join <#${p.channelId}> first: you can only start a party in the voice channel you are in.`,
  'refusal.controllersOnly': (p: { action: string; ownerId: string }) =>
    `Only the party's owner <@${p.ownerId}> or members with Manage Channels can ${p.action} in this party.`,
  'refusal.controllersOrDjOnly': (p: { action: string; ownerId: string; roleId: string }) =>
    `Only the party's owner <@${p.ownerId}>, the <@&${p.roleId}> role or members with Manage Channels can ${p.action} in this party.`,
  'action.pause': 'pause',
  'action.resume': 'resume',
  'action.seek': 'seek',
  'action.switchTracks': 'switch tracks',
  'action.skip': 'skip',
  'action.goBack': 'go back',
  'action.shuffle': 'shuffle',
  'action.setLoop': 'set loop',
  'action.stop': 'stop',
  'action.remove': 'remove',
  'action.move': 'move',
  'action.clear': 'clear',

  // Errors members can fix themselves.
  'error.noPartyHere': 'No watch party is running in this server. Create one first.',
  'error.severalParties': (p: { count: number }) =>
    `${p.count} watch parties are running in this server. Join the voice channel of the one you mean.`,
  'error.noSuchParty': (p: { id: number }) => `There is no watch party #${p.id}.`,
  'error.titleTooLong': (p: { max: number }) => `The title is longer than ${p.max} characters.`,
  'error.channelHasParty': (p: { channelId: string }) =>
    `<#${p.channelId}> already has a watch party. Join it, or stop it before creating another.`,
  'error.channelHasNamedParty': (p: { channelId: string; title: string; id: number }) =>
    `<#${p.channelId}> already has a watch party "${p.title}" (#${p.id}). Join it, or stop it before creating another.`,
  'error.badPartyId': 'A party number is a positive whole number.',
  'error.queueFull': (p: { max: number }) => `The queue is full (${p.max} items). Remove something first.`,
  'error.queueEmptyToStart': 'The queue is empty. Queue something first, then start the party.',
  'error.seekNeedsPosition': 'Seek needs a position, such as 1:23:45 or +30.',
  'error.seekNotATime': (p: { typed: string }) => `"${p.typed}" is not a time. ${seekFormats}`,
  'error.seekPastEnd': (p: { asked: string; title: string; length: string }) =>
    `${p.asked} is past the end: "${p.title}" is ${p.length} long. ${seekFormats}`,
  'error.seekNotAPosition': (p: { seconds: number }) =>
    `${p.seconds} is not a position: give a number of seconds from 0 up to the item's length, or a time as text. ${seekFormats}`,
  'time.seconds': (p: { seconds: number }) => `${p.seconds} seconds`,
  'error.noQueueItem': (p: { number: number; count: number }) =>
    p.count === 0
      ? `There is no item #${p.number} in the queue. The queue is empty.`
      : `There is no item #${p.number} in the queue. The queue has ${n(p.count, 'upcoming item', 'upcoming items')} (1-${p.count}).`,
  'error.staleControl': `This control is out of date or not from this bot. Use ${command('nowplaying')} for fresh controls.`,
  'error.unknownCommand': (p: { name: string }) =>
    `/${p.name} is not a command of this bot any more. Ask an admin to run register-commands.`,
  'error.unknownSubcommand': (p: { name: string }) =>
    `/watchparty ${p.name} is not a command this bot knows. Ask an admin to run register-commands.`,
  'error.pickSubcommand': `Pick a /watchparty subcommand, such as ${sub.create} or ${sub.queue}.`,
  'error.badOption': (p: { option: string; help: string }) => `The \`${p.option}\` option must be ${p.help}.`,
  'error.serversOnly': 'Watch parties live in servers: use this command in one.',
  'error.joinVoiceFirst': 'Join a voice channel first, or name one with the `voice` option.',
  'error.notAVoiceChannel': 'The `voice` option must be a voice channel of this server.',
  'error.noMatch': (p: { typed: string }) =>
    `Nothing in the library matches "${p.typed}". Start typing a title and pick one of the suggestions.`,
  'error.explanatoryChoice':
    'That suggestion only explained why there were no results. Type a title and pick one of the suggestions.',
  'error.searchDown': 'The library search is not answering. Try again in a minute.',
  'error.unknownMedia': (p: { id: string }) =>
    `Jellyfin has no playable item with id "${p.id}". Pick one from the search suggestions.`,
  'refusal.joinToVote': (p: { channelId: string }) =>
    `Join the party's voice channel <#${p.channelId}> to vote.`,
  'error.nothingToVote': 'Nothing is playing, so there is nothing to vote on.',
  'error.nothingBefore': 'Nothing played before this item.',
  'error.shuffleNeedsTwo': 'Shuffle needs at least two items waiting in the queue.',
  'error.badStartFrom': '`from` must be resume, start, or a time such as 1:02:10.',
  'error.startFromPastEnd': (p: { length: string }) =>
    `\`from\` is past the end: it runs ${p.length}. Pick an earlier time.`,
  'error.tracksNeedPlaying': `Nothing is playing right now. Tracks can be chosen while an item plays, or with \`${sub.queue}\`.`,
  'error.noAudioTracks': 'This item has no audio track.',
  'error.noSubtitleTracks': 'This item has no subtitle track.',
  'error.noSuchAudioTrack': (p: { typed: string; offered: string }) =>
    `This item has no audio track "${p.typed}". Pick one from the suggestions: ${p.offered}.`,
  'error.noSuchSubtitleTrack': (p: { typed: string; offered: string }) =>
    `This item has no subtitle track "${p.typed}". Pick one from the suggestions: ${p.offered}.`,
  'error.entryGone': 'That item is no longer in the queue.',
  'error.noIntro': 'No intro is playing right now.',
  'error.notASeason': 'That is not a season of a series. Pick one of the suggestions.',
  'error.noEpisodesLeft': 'That series has no episodes left to queue there.',

  // Private replies to the member who asked.
  'reply.subtitlesOff': 'Subtitles are off now.',
  'reply.audioSwitched': (p: { track: string }) => `Audio: ${p.track}. Playing on from where it was.`,
  'reply.subtitlesSwitched': (p: { track: string }) => `Subtitles: ${p.track}. Playing on from where it was.`,
  'reply.starting': (p: { title: string; channelId: string }) =>
    `Starting **${p.title}** in <#${p.channelId}>.`,
  'reply.paused': `Paused. ${command('resume')} or the panel’s Resume button continues.`,
  'reply.resumed': 'Resumed.',
  'reply.skipped': (p: { title: string }) => `Skipped. Now playing **${p.title}**.`,
  'reply.skippedToNothing': 'Skipped. The queue is empty now.',
  'reply.jumped': (p: { at: string }) => `Jumped to ${p.at}.`,
  'reply.stopped': (p: { title: string }) => `Stopped **${p.title}**. Thanks for watching!`,
  'reply.removed': (p: { title: string }) => `Removed **${p.title}** from the queue.`,
  'reply.moved': (p: { title: string; number: number }) => `Moved **${p.title}** to #${p.number}.`,
  'reply.alreadyEmpty': 'The queue was already empty.',
  'reply.cleared': (p: { count: number }) => `Cleared ${n(p.count, 'item', 'items')} from the queue.`,
  'reply.created': (p: { title: string; channelId: string }) =>
    `Created **${p.title}** in <#${p.channelId}>. The panel in this channel shows what plays.`,
  'reply.createdAddHint': `Add something with ${command('queue')}: the first item starts the party.`,
  'reply.startingNow': (p: { title: string }) => `Starting **${p.title}** now.`,
  'reply.queued': (p: { title: string }) => `Queued **${p.title}**.`,
  'reply.queuedAt': (p: { title: string; number: number }) => `Queued **${p.title}** as #${p.number}.`,
  'reply.couldNotStart': (p: { reason: string }) => `The party could not start: ${p.reason}`,
  'reply.skippedByVote': 'Skipped by vote.',
  'reply.alreadyVoted': (p: { votes: number; needed: number }) =>
    `You already voted to skip (${p.votes} of ${p.needed} needed).`,
  'reply.voteCounted': (p: { votes: number; needed: number }) =>
    `Your vote to skip counts (${p.votes} of ${p.needed} needed). The vote closes 30 s after it opened.`,

  // The now-playing panel and the queue pages (src/interactions/panel.ts, panel-hub.ts).
  'panel.state.draft': 'Waiting for something to watch',
  'panel.state.queued': 'Ready: press start, or queue more',
  'panel.state.connecting': 'Connecting to the voice channel…',
  'panel.state.buffering': '⏳ Buffering…',
  'panel.state.reconnecting': '🔄 Reconnecting…',
  'panel.state.playing': '▶️ Playing',
  'panel.state.paused': '⏸️ Paused',
  'panel.state.stopped': '⏹️ Stopped',
  'panel.state.error': '⚠️ Stopped by an error',
  'panel.note.buffering': 'Waiting for the media server to send more; the film goes on by itself.',
  'panel.note.reconnecting': 'The stream dropped; it picks up where it stopped in a moment.',
  'panel.idlePaused': 'Paused: nobody is listening',
  'panel.idleStopped': (p: { minutes: number }) =>
    `Stopped after ${n(p.minutes, 'minute', 'minutes')} with nobody listening`,
  'panel.joinToResume': (p: { channelId: string }) => `Join <#${p.channelId}> and press Resume to carry on.`,
  'panel.author': (p: { title: string }) => `Watch party · ${p.title}`,
  'party.defaultTitle': 'Watch party',
  'panel.nothingPlaying': 'Nothing playing',
  'panel.footer': (p: { id: number }) => `Party #${p.id} · /watchparty ${sub.queue} adds more`,
  'panel.queueHint': `Queue something with ${command('queue')}: the first item starts the party.`,
  'panel.queuedBy': 'Queued by',
  'panel.voiceChannel': 'Voice channel',
  'panel.watching': (p: { count: number }) => `Watching (${p.count})`,
  'panel.nobody': 'Nobody',
  'panel.namesAndMore': (p: { names: string; more: number }) => `${p.names} and ${p.more} more`,
  'panel.upNext': 'Up next',
  'panel.andMore': (p: { more: number }) => `…and ${p.more} more`,
  'panel.nothingQueued': 'Nothing queued',
  'panel.creditsCountdown': (p: { seconds: number; title: string }) =>
    `🎬 Credits · up next in ${p.seconds} s: ${p.title}`,
  'panel.credits': (p: { title: string }) => `🎬 Credits · up next: ${p.title}`,
  'panel.timeLeft': (p: { left: string }) => `⏳ ${p.left} left`,
  'panel.endsAt': (p: { left: string; timestamp: number }) => `⏳ ${p.left} left · ends <t:${p.timestamp}:t>`,
  'button.pause': 'Pause',
  'button.resume': 'Resume',
  'button.retry': 'Retry',
  'button.start': 'Start',
  'button.back': '−30 s',
  'button.forward': '+30 s',
  'button.seek': 'Seek…',
  'button.skip': 'Skip',
  'button.previous': 'Previous',
  'button.voteSkip': 'Vote skip',
  'button.shuffle': 'Shuffle',
  'button.loopOff': 'Loop: off',
  'button.loopItem': 'Loop: this item',
  'button.loopQueue': 'Loop: queue',
  'button.queue': 'Queue',
  'button.stop': 'Stop',
  'button.next': 'Next',
  'button.skipIntro': 'Skip intro',
  'button.playNow': 'Play now',
  'queue.title': (p: { title: string }) => `Queue · ${p.title}`,
  'queue.now': (p: { title: string }) => `Now: **${p.title}**`,
  'queue.nothingPlaying': 'Nothing playing.',
  'queue.empty': `The queue is empty. Add something with ${command('queue')}.`,
  'queue.footer': (p: { page: number; pages: number; count: number }) =>
    `Page ${p.page} of ${p.pages} · ${p.count} queued · ${sub.remove} and ${sub.move} take the numbers shown`,
  'seek.title': 'Seek',
  'seek.label': (p: { at: string }) => `Jump to (now ${p.at})`,
  'seek.labelOf': (p: { at: string; length: string }) => `Jump to (now ${p.at} of ${p.length})`,
  'seek.placeholder': '1:23:45, 83:45, 90, +30, -10 or 1h2m',
  'track.default': 'default',
  'track.forced': 'forced',
  'track.external': 'external file',
  'track.unknownLanguage': 'Unknown language',
  'track.mono': 'mono',
  'track.stereo': 'stereo',
  'track.surround': (p: { layout: string }) => p.layout,
  'track.timedText': 'Timed text',
  'tracks.audio': 'Audio',
  'tracks.subtitles': 'Subtitles',
  'tracks.choose': 'choose',
  'tracks.off': 'Off: no subtitles',

  // Public lines in the party's text channel (src/watchparty/announcements.ts).
  'announce.itemFailed': (p: { title: string; reason: string; next: string }) =>
    `⚠️ **${p.title}**: ${p.reason} Skipping to **${p.next}**.`,
  'announce.itemFailedLast': (p: { title: string; reason: string }) =>
    `⚠️ **${p.title}**: ${p.reason} Nothing else is queued.`,
  'announce.partyStopped': (p: { reason: string }) => `⚠️ The watch party stopped. ${p.reason}`,
  'announce.theItem': 'The item',
  // The party's story in its text channel (src/watchparty/story-lines.ts).
  'story.bot': 'The bot',
  'story.api': 'Someone using the API',
  'story.queued': (p: { who: string; title: string }) => `📥 ${p.who} queued ${p.title}`,
  'story.andMore': (p: { line: string; more: number }) => `${p.line} and ${p.more} more`,
  'story.skipped': (p: { who: string; title: string }) => `⏭️ ${p.who} skipped ${p.title}`,
  'story.skippedItem': (p: { who: string }) => `⏭️ ${p.who} skipped the item`,
  'story.seeked': (p: { who: string; at: string }) => `⏩ ${p.who} jumped to ${p.at}`,
  'story.stopped': (p: { who: string }) => `⏹️ ${p.who} stopped the watch party`,
  'story.idleStopped': (p: { minutes: number }) =>
    `⏹️ The watch party stopped: nobody watched for ${n(p.minutes, 'minute', 'minutes')}`,
  'story.wentBack': (p: { who: string; title: string }) => `⏮️ ${p.who} went back to ${p.title}`,
  'story.shuffled': (p: { who: string }) => `🔀 ${p.who} shuffled the queue`,
  'story.loopOff': (p: { who: string }) => `➡️ ${p.who} turned loop off`,
  'story.loopItem': (p: { who: string }) => `🔁 ${p.who} set loop to this item`,
  'story.loopQueue': (p: { who: string }) => `🔁 ${p.who} set loop to the whole queue`,
  'story.skipVoted': (p: { who: string; title: string; votes: number; needed: number }) =>
    `🗳️ ${p.who} votes to skip ${p.title} (${p.votes} of ${p.needed} needed): press Vote skip on the panel to agree`,
  'story.voteSkipped': (p: { title: string; votes: number; listeners: number }) =>
    `⏭️ ${p.title} was skipped by vote (${p.votes} of ${p.listeners})`,
  'story.voteSkippedItem': (p: { votes: number; listeners: number }) =>
    `⏭️ The item was skipped by vote (${p.votes} of ${p.listeners})`,
  // Autocomplete's one explanatory choice when there is nothing to offer.
  'hint.pickSeriesFirst': 'Pick a series in "media" first, then its episode here',
  'hint.noEpisodeMatch': (p: { typed: string }) => `No episode of that series matches "${p.typed}"`,
  'hint.typeTitle': 'Type a title to search the library',
  'hint.noMatch': (p: { typed: string }) => `Nothing in the library matches "${p.typed}"`,
  'hint.searchDown': 'The library search is not answering right now. Try again in a moment.',
  'hint.serversOnly': 'Watch parties live in servers',
  'hint.pickTitleFirst': 'Pick a title in "media" first, then its tracks here',
  'hint.noAudioTracks': 'This item has no audio track',
  'hint.noSubtitleTracks': 'This item has no subtitle track',
  'hint.noAudioMatch': (p: { typed: string }) => `No audio track matches "${p.typed}"`,
  'hint.noSubtitleMatch': (p: { typed: string }) => `No subtitle track matches "${p.typed}"`,
  'hint.tracksDown': 'The tracks cannot be listed right now. Try again in a moment.',
  'hint.playingNow': (p: { label: string }) => `${p.label} · playing now`,
  // Film night: where a queued item starts, and series queued as a whole.
  'start.resuming': (p: { at: string }) => `Resuming at ${p.at}.`,
  'start.fromBeginning': 'Starting from the beginning.',
  'button.startOver': 'Start over',
  'button.resumeAt': (p: { at: string }) => `Resume at ${p.at}`,
  'reply.episodesQueued': (p: { count: number }) => `Queued ${n(p.count, 'episode', 'episodes')}.`,
  'reply.episodesQueuedPartly': (p: { done: number; total: number; reason: string }) =>
    `Queued ${p.done} of ${p.total} episodes, then stopped: ${p.reason}`,
  'choice.restOfSeries': (p: { title: string }) => `${p.title} · the rest of the series`,
  'choice.season': (p: { title: string; season: number; episodes: number }) =>
    `${p.title} · the whole season ${p.season} (${n(p.episodes, 'episode', 'episodes')})`,
  'choice.specials': (p: { title: string; episodes: number }) =>
    `${p.title} · the specials (${n(p.episodes, 'episode', 'episodes')})`,
  'choice.series': 'Series',
  'choice.episodes': (p: { count: number }) => n(p.count, 'episode', 'episodes'),
  'choice.unknownSeries': 'Unknown series',
  // What the party's state forbids (src/watchparty/session-state.ts).
  'transition.stopped': 'This party has stopped. Create a new party to keep watching.',
  'transition.nothingQueued': 'The queue is empty. Queue something first, then start the party.',
  'transition.alreadyRunning': 'The party is already running.',
  'transition.alreadyPlaying': 'The party is already playing.',
  'transition.connectingPlaysSoon': 'The party is still connecting; it will play in a moment.',
  'transition.alreadyPaused': 'The party is paused; use resume.',
  'transition.connecting': 'The party is still connecting; try again in a moment.',
  'transition.failed': 'The party stopped on an error. Use start to try again.',
  'transition.notStarted': 'Nothing is playing yet. Queue something and start the party.',
  'transition.notNow': (p: { status: string }) =>
    `The party is ${p.status}; that action is not possible now.`,
};
