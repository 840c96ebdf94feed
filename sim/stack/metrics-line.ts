// The demo's look at the bot's /metrics while a party plays: one scrape, checked for every family
// issue 21 asks of it (parties by status, worker starts and restarts, frames and bytes sent, frames
// dropped, encoder and send path, DAVE epoch and transitions, NACKs and retransmissions, Jellyfin and
// autocomplete latency, catalog size, CPU and memory of the bot and of the party's worker), and told
// as one line of the timeline. A family without a sample fails the demo, so CI notices one going.

interface Sample {
  name: string;
  labels: string;
  value: number;
}

/** Families that must have at least one sample while a party plays (histograms by their _count). */
const REQUIRED = [
  'orb_parties',
  'orb_worker_starts_total',
  'orb_worker_restarts_total',
  'orb_stream_video_frames_sent_total',
  'orb_stream_bytes_sent_total',
  'orb_stream_video_frames_dropped_total',
  'orb_stream_info',
  'orb_stream_dave_epoch',
  'orb_stream_dave_transitions_total',
  'orb_stream_nacks_received_total',
  'orb_stream_packets_retransmitted_total',
  'orb_jellyfin_request_duration_seconds_count',
  'orb_autocomplete_duration_seconds_count',
  'orb_catalog_items',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'orb_worker_cpu_seconds_total',
  'orb_worker_resident_memory_bytes',
] as const;

function samplesOf(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    return sample ? [{ name: sample[1]!, labels: sample[2] ?? '', value: Number(sample[3]) }] : [];
  });
}

const MB = 2 ** 20;

/** Scrapes `metrics` once; throws when a family is missing, else says what it read. */
export async function metricsLine(metrics: { url: string; token: string }): Promise<string> {
  const response = await fetch(metrics.url, { headers: { authorization: `Bearer ${metrics.token}` } });
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  const samples = samplesOf(await response.text());
  const missing = REQUIRED.filter((name) => !samples.some((sample) => sample.name === name));
  if (missing.length > 0) throw new Error(`/metrics lacks ${missing.join(', ')}`);
  const sum = (name: string, labels = '') =>
    samples
      .filter((sample) => sample.name === name && sample.labels.includes(labels))
      .reduce((total, sample) => total + sample.value, 0);
  const info = samples.find((sample) => sample.name === 'orb_stream_info')?.labels ?? '';
  const label = (key: string) => new RegExp(`${key}="([^"]*)"`).exec(info)?.[1] ?? '?';
  return [
    `${sum('orb_parties', 'status="playing"')} party playing`,
    `${sum('orb_worker_starts_total')} worker start, ${sum('orb_worker_restarts_total')} restarts`,
    `${sum('orb_stream_video_frames_sent_total')} video frames (${(sum('orb_stream_bytes_sent_total') / MB).toFixed(1)} MB) sent, ${sum('orb_stream_video_frames_dropped_total')} dropped`,
    `${label('encoder')} via ${label('send_path')}`,
    `DAVE epoch ${sum('orb_stream_dave_epoch')}, ${sum('orb_stream_dave_transitions_total')} transitions`,
    `${sum('orb_stream_nacks_received_total')} NACKed, ${sum('orb_stream_packets_retransmitted_total')} resent`,
    `${sum('orb_jellyfin_request_duration_seconds_count')} Jellyfin calls, ${sum('orb_autocomplete_duration_seconds_count')} autocompletes`,
    `${sum('orb_catalog_items')} catalog items`,
    `bot ${sum('process_cpu_seconds_total').toFixed(1)} CPU-s ${Math.round(sum('process_resident_memory_bytes') / MB)} MB`,
    `worker ${sum('orb_worker_cpu_seconds_total').toFixed(1)} CPU-s ${Math.round(sum('orb_worker_resident_memory_bytes') / MB)} MB`,
  ].join(' · ');
}
