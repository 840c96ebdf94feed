// Prometheus's text exposition read strictly, as a scraper would: every sample line well formed,
// every family with HELP and TYPE. Shared by the bot's and the worker host's /metrics tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): { samples: Sample[]; families: Map<string, string> } {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'HELP') helped.add(comment[2]!);
      else families.set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    // Go's ParseFloat, which Prometheus uses, reads NaN in any case (prom-client writes `Nan`).
    assert.match(sample[3]!, /^(?:[+-]?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|Inf)|nan)$/i, `not a value: ${line}`);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]!.replace(/^nan$/i, 'NaN')) });
  }
  for (const family of families.keys()) assert.ok(helped.has(family), `${family} has no HELP`);
  return { samples, families };
}

export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

/** Asserts each family is served with its type (`counter`, `gauge`, `histogram`). */
export function assertFamilies(families: Map<string, string>, expected: readonly [string, string][]): void {
  for (const [family, type] of expected) assert.equal(families.get(family), type, `${family} is a ${type}`);
}

/** The families a playing party has, on the bot's /metrics and on its worker host's alike. */
export const partyFamilies: readonly [string, string][] = [
  ['orb_stream_info', 'gauge'],
  ['orb_stream_video_frames_sent_total', 'counter'],
  ['orb_stream_video_frames_dropped_total', 'counter'],
  ['orb_stream_bytes_sent_total', 'counter'],
  ['orb_stream_dave_transitions_total', 'counter'],
  ['orb_stream_dave_epoch', 'gauge'],
  ['orb_stream_nacks_received_total', 'counter'],
  ['orb_stream_packets_retransmitted_total', 'counter'],
  ['orb_worker_stats_unanswered', 'gauge'],
  ['orb_worker_cpu_seconds_total', 'counter'],
  ['orb_worker_resident_memory_bytes', 'gauge'],
];

/**
 * What a scrape shows of `party` playing the test clip (copied, into the capture sink) on a worker
 * that runs on this machine: frames and bytes sent, every worker answering, and the worker's own CPU
 * and memory read from the process table.
 */
export function assertPartyPlays(samples: Sample[], party: string): void {
  assert.equal(sampleValue(samples, 'orb_stream_info', { party, encoder: 'copy', send_path: 'capture' }), 1);
  assert.ok((sampleValue(samples, 'orb_stream_video_frames_sent_total', { party }) ?? 0) > 30);
  assert.ok((sampleValue(samples, 'orb_stream_bytes_sent_total', { party }) ?? 0) > 0);
  assert.equal(sampleValue(samples, 'orb_worker_stats_unanswered'), 0);
  assert.ok((sampleValue(samples, 'orb_worker_cpu_seconds_total', { party }) ?? 0) > 0);
  assert.ok((sampleValue(samples, 'orb_worker_resident_memory_bytes', { party }) ?? 0) > 20 * 2 ** 20);
}

/** Asserts the exposition holds none of `secrets` and none of `addresses`. */
export function assertNothingLeaks(
  text: string,
  secrets: readonly string[],
  addresses: readonly string[],
): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), 'a token is in the output');
  for (const address of addresses) assert.ok(!text.includes(address), `${address} is in the output`);
}

/** Families only a worker host exports; everything else the dashboard reads, the bot does. */
const WORKER_HOST_FAMILY = /^orb_worker_host_/;

/**
 * Every family the Grafana dashboard's queries read that `exporter` serves: the bot's /metrics or a
 * worker host's. One Prometheus scrapes both, so a panel may read either.
 */
export function dashboardFamilies(exporter: 'bot' | 'worker-host'): Set<string> {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../deploy/grafana/orb-watch-party.json', import.meta.url), 'utf8'),
  );
  const exprs: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) =>
    panel.targets.map((target) => target.expr),
  );
  const names = exprs
    .flatMap((expr) => expr.match(/\b(?:orb|process|nodejs)_[a-z_]+/g) ?? [])
    .map((name) => name.replace(/_(?:bucket|count|sum)$/, ''));
  return new Set(names.filter((name) => WORKER_HOST_FAMILY.test(name) === (exporter === 'worker-host')));
}
