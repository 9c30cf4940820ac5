// Progress bars on stderr (cli-progress) with a rate and time left. Silent when disabled (stderr
// not a TTY, --json or --quiet), so logs and pipes stay clean.

import cliProgress from 'cli-progress';

/** One bar: `update` with units done (and a new total or label when they change). */
export interface ProgressBar {
  update(done: number, total?: number): void;
  /** Ends the bar (leaves its last state on the line). */
  stop(): void;
}

export interface Progress {
  readonly enabled: boolean;
  /**
   * Starts a bar counting `total` units of `unit` (e.g. 'steps', 'HVPs'). Only one bar is shown
   * at a time: starting one stops the previous.
   */
  bar(label: string, total: number, unit?: string): ProgressBar;
}

/** A bar that draws nothing (the initial value of a bar variable, and every bar when disabled). */
export const SILENT_BAR: ProgressBar = { update: () => undefined, stop: () => undefined };

/** A progress factory; with `enabled: false` every bar is a no-op. */
export function createProgress(options: { enabled: boolean }): Progress {
  let current: ProgressBar | null = null;
  return {
    enabled: options.enabled,
    bar(label, total, unit = '') {
      current?.stop();
      if (!options.enabled) return SILENT_BAR;
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label.padEnd(18)} {bar} {percentage}% | {value}/{total} ${unit} | {rate} | {eta_formatted} left`,
          barsize: 24,
          hideCursor: true,
          // The status line that follows replaces the finished bar.
          clearOnComplete: true,
          etaBuffer: 50,
          fps: 5,
          // Long synchronous WebAssembly work starves timers: redraw from update() instead.
          synchronousUpdate: true,
        },
        cliProgress.Presets.shades_classic,
      );
      const t0 = Date.now();
      bar.start(Math.max(1, total), 0, { rate: '' });
      let stopped = false;
      const handle: ProgressBar = {
        update(done, newTotal) {
          if (stopped) return;
          if (newTotal !== undefined) bar.setTotal(Math.max(1, newTotal));
          const secs = (Date.now() - t0) / 1000;
          const rate = secs > 0 ? done / secs : 0;
          bar.update(done, { rate: `${formatRate(rate)} ${unit}/s`.trim() });
        },
        stop() {
          if (stopped) return;
          stopped = true;
          bar.stop();
          if (current === handle) current = null;
        },
      };
      current = handle;
      return handle;
    },
  };
}

function formatRate(r: number): string {
  if (!Number.isFinite(r) || r <= 0) return '-';
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toPrecision(2);
}
