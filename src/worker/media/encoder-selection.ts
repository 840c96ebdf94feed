// Which encoder this worker transcodes with (VIDEO_ENCODER, VAAPI_DEVICE). At start it tries the GPU
// encoders the setting allows, each with a one-second self-test (video-encoder.ts), and keeps the
// first that passes: `auto` tries VAAPI, then NVENC, then Quick Sync; an explicit GPU encoder that
// fails falls back to x264 with a warning. x264 needs no test: nothing falls below it (the doctor
// checks that ffmpeg has libx264). The test runs beside the worker's start-up, not before it, and
// only a film the worker may transcode waits for its answer; a copy of the file never does.
//
// A GPU that fails later, mid-film, is given up for the rest of the worker's life: the item player
// continues with x264 at the same position, and a device that failed once is not trusted with the
// next segment, where it would cost viewers another interruption.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { errorMessage, withoutAddresses } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import { DEFAULT_VAAPI_DEVICE, type VideoEncoderSetting } from '../../worker-contract/environment.ts';
import {
  encoderSelfTestArgs,
  type HardwareEncoderName,
  SOFTWARE_ENCODER,
  type VideoEncoder,
} from './video-encoder.ts';

/** The order `auto` tries the GPU encoders in. */
const AUTO_ORDER: readonly HardwareEncoderName[] = ['vaapi', 'nvenc', 'qsv'];
/** A healthy GPU encodes the test second in well under this; a hung driver must not hold a film. */
const SELF_TEST_TIMEOUT_MS = 15_000;
const REASON_LINES = 3;

/** One GPU encoder's self-test: passed, or why not. */
export interface EncoderTrial {
  encoder: HardwareEncoderName;
  passed: boolean;
  reason: string | null;
}

export type EncoderSelectionState =
  /** `tested`: the encoder the self-tests choose. */
  | { status: 'testing'; tested: Promise<VideoEncoder> }
  | { status: 'chosen'; encoder: VideoEncoder; trials: EncoderTrial[] }
  /** The chosen GPU failed mid-film; x264 from then on. */
  | { status: 'fallen-back'; encoder: VideoEncoder; failed: HardwareEncoderName; reason: string };

export interface EncoderSelectionOptions {
  setting?: VideoEncoderSetting | undefined;
  vaapiDevice?: string | undefined;
  ffmpegPath: string;
  logger: Logger;
}

function hardwareEncoder(name: HardwareEncoderName, vaapiDevice: string): VideoEncoder {
  return name === 'vaapi' ? { name, device: vaapiDevice } : { name };
}

/** ffmpeg's last lines (its generic last one alone rarely names the cause), without addresses. */
function failureReason(result: {
  stderr?: unknown;
  exitCode?: number | undefined;
  timedOut?: boolean;
}): string {
  if (result.timedOut) return `no answer within ${SELF_TEST_TIMEOUT_MS / 1000} s`;
  const lines = String(result.stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-REASON_LINES);
  return lines.length > 0
    ? withoutAddresses(lines.join(' / '))
    : `ffmpeg exited with code ${result.exitCode ?? 'unknown'}`;
}

async function selfTest(
  name: HardwareEncoderName,
  vaapiDevice: string,
  ffmpegPath: string,
): Promise<EncoderTrial> {
  const encoder = hardwareEncoder(name, vaapiDevice);
  if (encoder.name === 'vaapi' && !existsSync(encoder.device)) {
    return { encoder: name, passed: false, reason: `no device at ${encoder.device}` };
  }
  const result = await execa(ffmpegPath, encoderSelfTestArgs(encoder), {
    reject: false,
    stdin: 'ignore',
    timeout: SELF_TEST_TIMEOUT_MS,
  });
  return result.exitCode === 0
    ? { encoder: name, passed: true, reason: null }
    : { encoder: name, passed: false, reason: failureReason(result) };
}

export class VideoEncoderSelection {
  readonly #options: EncoderSelectionOptions;
  #state: EncoderSelectionState;

  /** Starts the self-tests the setting calls for; encoder() answers once they are done. */
  constructor(options: EncoderSelectionOptions) {
    this.#options = options;
    const setting = options.setting ?? 'auto';
    if (setting === 'x264') {
      this.#state = { status: 'chosen', encoder: SOFTWARE_ENCODER, trials: [] };
      return;
    }
    this.#state = { status: 'testing', tested: this.#choose(setting === 'auto' ? AUTO_ORDER : [setting]) };
  }

  get state(): EncoderSelectionState {
    return this.#state;
  }

  /** The encoder a transcode starts with; waits for the start-up self-test. */
  async encoder(): Promise<VideoEncoder> {
    return this.#state.status === 'testing' ? this.#state.tested : this.#state.encoder;
  }

  /** The GPU failed while encoding (the item player logs it): x264 from now on, which it returns. */
  fallBack(failed: HardwareEncoderName, reason: string): VideoEncoder {
    if (this.#state.status !== 'fallen-back') {
      this.#setState({ status: 'fallen-back', encoder: SOFTWARE_ENCODER, failed, reason });
    }
    return SOFTWARE_ENCODER;
  }

  #setState(next: EncoderSelectionState): void {
    this.#state = next;
  }

  async #choose(candidates: readonly HardwareEncoderName[]): Promise<VideoEncoder> {
    const { ffmpegPath, logger } = this.#options;
    const vaapiDevice = this.#options.vaapiDevice ?? DEFAULT_VAAPI_DEVICE;
    const trials: EncoderTrial[] = [];
    for (const name of candidates) {
      const trial = await selfTest(name, vaapiDevice, ffmpegPath).catch(
        (error: unknown): EncoderTrial => ({
          encoder: name,
          passed: false,
          reason: withoutAddresses(errorMessage(error)),
        }),
      );
      trials.push(trial);
      if (trial.passed) {
        logger.info({ encoder: name, trials }, 'video encoder chosen');
        const encoder = hardwareEncoder(name, vaapiDevice);
        this.#setState({ status: 'chosen', encoder, trials });
        return encoder;
      }
    }
    if (this.#options.setting === 'auto' || this.#options.setting === undefined) {
      logger.info({ encoder: 'x264', trials }, 'video encoder chosen: no GPU encoder passed its self-test');
    } else {
      logger.warn(
        { encoder: 'x264', trials },
        `VIDEO_ENCODER=${this.#options.setting} failed its self-test; encoding with x264`,
      );
    }
    this.#setState({ status: 'chosen', encoder: SOFTWARE_ENCODER, trials });
    return SOFTWARE_ENCODER;
  }
}
