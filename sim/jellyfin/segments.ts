// Media segments as Jellyfin 10.10+ serves them (`GET /MediaSegments/{itemId}`): the parts of an item
// a player may skip (Intro, Outro i.e. credits, Recap, Preview, Commercial), in ticks. The default
// library's regular episodes of its main series get an intro and credits, sized to their short files;
// tests set others with `set`.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, type Query, send } from './http.ts';
import { requireItem } from './items.ts';
import { defaultTitles, type SimItem, type SimLibrary } from './library.ts';

export const segmentTypes = ['Unknown', 'Commercial', 'Preview', 'Recap', 'Outro', 'Intro'] as const;
export type SimSegmentType = (typeof segmentTypes)[number];

export interface SimSegment {
  type: SimSegmentType;
  startSeconds: number;
  endSeconds: number;
}

const ticks = (seconds: number) => Math.round(seconds * 10_000_000);

/** An intro over the first 40% and credits over the last 20%, as a detector would find them. */
function defaultSegments(item: SimItem): SimSegment[] {
  const regularEpisode =
    item.type === 'Episode' && item.seriesName === defaultTitles.series && (item.parentIndexNumber ?? 0) > 0;
  const seconds = item.runtimeSeconds;
  if (!regularEpisode || !seconds) return [];
  return [
    { type: 'Intro', startSeconds: 0, endSeconds: seconds * 0.4 },
    { type: 'Outro', startSeconds: seconds * 0.8, endSeconds: seconds },
  ];
}

export class SimSegments {
  readonly #library: SimLibrary;
  readonly #set = new Map<string, SimSegment[]>();

  constructor(library: SimLibrary) {
    this.#library = library;
  }

  /** Replaces an item's segments (an empty list: it has none). */
  set(itemId: string, segments: SimSegment[]): void {
    this.#set.set(itemId, segments);
  }

  of(item: SimItem): SimSegment[] {
    return this.#set.get(item.id) ?? defaultSegments(item);
  }

  /** Answers `GET /MediaSegments/{itemId}`; false for any other request. */
  route(request: IncomingMessage, response: ServerResponse, path: string, query: Query): boolean {
    const match = /^\/mediasegments\/([^/]+)$/i.exec(path);
    if (!match?.[1] || (request.method ?? 'GET') !== 'GET') return false;
    const item = requireItem(this.#library, match[1]);
    // ASP.NET binds this enum list from repeated keys; a comma list is one value it cannot read.
    const type = query.get('includesegmenttypes');
    if (type !== undefined && !segmentTypes.includes(type as SimSegmentType)) {
      throw new HttpError(400, `The value '${type}' is not valid for includeSegmentTypes.`);
    }
    const wanted = type === undefined ? [] : [type];
    const items = this.of(item)
      .filter((segment) => wanted.length === 0 || wanted.includes(segment.type))
      .map((segment) => ({
        Id: randomUUID().replaceAll('-', ''),
        ItemId: item.id,
        Type: segment.type,
        StartTicks: ticks(segment.startSeconds),
        EndTicks: ticks(segment.endSeconds),
      }));
    send(response, 200, { Items: items, TotalRecordCount: items.length, StartIndex: 0 });
    return true;
  }
}
