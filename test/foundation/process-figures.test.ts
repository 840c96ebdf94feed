// The once-a-minute log line an operator watches for leaks: memory and open descriptors of the
// process that writes it.
import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { logProcessFigures, type ProcessFigures } from '../../src/process-figures.ts';
import { capturedLogs, type LogLine } from '../support/captured-logs.ts';

afterEach(() => mock.timers.reset());

test('a "process figures" line each minute with resident memory, heap and open descriptors', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const { logger, lines } = capturedLogs<LogLine & { figures: ProcessFigures }>('info');
  logProcessFigures(logger);
  mock.timers.tick(59_999);
  assert.equal(lines.length, 0, 'nothing before the first minute is over');
  mock.timers.tick(1);
  mock.timers.tick(60_000);
  assert.deepEqual(
    lines.map((line) => line.msg),
    ['process figures', 'process figures'],
  );
  const { rssMb, heapUsedMb, openFds } = lines[1]!.figures;
  assert.ok(rssMb > heapUsedMb && heapUsedMb > 0, `rss ${rssMb} MB, heap used ${heapUsedMb} MB`);
  // This test process holds at least stdin, stdout and stderr.
  assert.ok(openFds === null || openFds >= 3, `${openFds} open descriptors`);
});
