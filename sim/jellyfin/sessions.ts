// Playback reporting as Jellyfin keeps it: one session per client and DeviceId, touched by every
// report and capabilities call, showing the item playing and its PlayState; every Sessions/Playing*
// call is also recorded for tests. The dashboard shows a session only while it is recent and playing
// (or has a user, which an API key never has).
import type { AuthContext } from './auth.ts';
import type { JellyfinDtos } from './dtos.ts';
import { type SimLibrary, simId } from './library.ts';

export interface PlaybackReport {
  kind: 'start' | 'progress' | 'stopped' | 'ping';
  client: string;
  device: string;
  deviceId: string;
  body: Record<string, unknown>;
  at: string;
}

export interface SimSession {
  Id: string;
  Client: string;
  DeviceId: string;
  DeviceName: string;
  ApplicationVersion: string;
  UserId: string;
  LastActivityDate: string;
  LastPlaybackCheckIn: string;
  NowPlayingItem?: Record<string, unknown>;
  PlayState: Record<string, unknown>;
  IsActive: boolean;
  SupportsMediaControl: boolean;
  SupportsRemoteControl: boolean;
  ServerId: string;
}

const emptyGuid = '00000000000000000000000000000000';
const idlePlayState = () => ({ CanSeek: false, IsPaused: false, IsMuted: false, RepeatMode: 'RepeatNone' });

export interface SimSessionsOptions {
  now: () => Date;
  serverId: string;
  library: SimLibrary;
  dtos: JellyfinDtos;
}

export class SimSessions {
  readonly reports: PlaybackReport[] = [];
  readonly #byKey = new Map<string, SimSession>();
  readonly #options: SimSessionsOptions;

  constructor(options: SimSessionsOptions) {
    this.#options = options;
  }

  list(): SimSession[] {
    return [...this.#byKey.values()];
  }

  /** Like GET /Sessions: optionally one device's, optionally only those active within a window. */
  active(withinSeconds: number | undefined, deviceId: string | undefined): SimSession[] {
    const cutoff = withinSeconds === undefined ? null : this.#options.now().getTime() - withinSeconds * 1000;
    return this.list().filter(
      (session) =>
        (!deviceId || session.DeviceId === deviceId) &&
        (cutoff === null || Date.parse(session.LastActivityDate) >= cutoff),
    );
  }

  touch(auth: AuthContext): SimSession {
    const key = `${auth.client}\u0000${auth.deviceId}`;
    const at = this.#options.now().toISOString();
    let session = this.#byKey.get(key);
    if (!session) {
      session = {
        Id: simId(`session:${key}`),
        Client: auth.client,
        DeviceId: auth.deviceId,
        DeviceName: auth.device,
        ApplicationVersion: auth.version,
        UserId: emptyGuid,
        LastActivityDate: at,
        LastPlaybackCheckIn: at,
        PlayState: idlePlayState(),
        IsActive: true,
        SupportsMediaControl: false,
        SupportsRemoteControl: false,
        ServerId: this.#options.serverId,
      };
      this.#byKey.set(key, session);
    }
    session.DeviceName = auth.device;
    session.LastActivityDate = at;
    return session;
  }

  report(kind: PlaybackReport['kind'], body: Record<string, unknown>, auth: AuthContext): void {
    this.reports.push({
      kind,
      client: auth.client,
      device: auth.device,
      deviceId: auth.deviceId,
      body,
      at: this.#options.now().toISOString(),
    });
    const session = this.touch(auth);
    if (kind === 'ping') return;
    session.LastPlaybackCheckIn = session.LastActivityDate;
    const itemId = typeof body.ItemId === 'string' ? body.ItemId : null;
    const item = itemId ? this.#options.library.get(itemId) : undefined;
    if (kind === 'stopped') {
      delete session.NowPlayingItem;
      session.PlayState = idlePlayState();
      return;
    }
    if (item) session.NowPlayingItem = this.#options.dtos.item(item, new Set(), false);
    session.PlayState = {
      PositionTicks: body.PositionTicks,
      CanSeek: body.CanSeek === true,
      IsPaused: body.IsPaused === true,
      IsMuted: body.IsMuted === true,
      MediaSourceId: body.MediaSourceId,
      PlayMethod: body.PlayMethod === 'Transcode' ? 'DirectPlay' : body.PlayMethod,
      RepeatMode: 'RepeatNone',
    };
  }

  dashboardVisible(session: SimSession): boolean {
    const recent = this.#options.now().getTime() - Date.parse(session.LastActivityDate) <= 95_000;
    return recent && (session.NowPlayingItem !== undefined || session.UserId !== emptyGuid);
  }
}
