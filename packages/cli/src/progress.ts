// Progress bars on stderr (cli-progress) with a rate and time left. Silent when disabled (stderr
// not a TTY, --json or --quiet), so logs and pipes stay clean. Where stderr is not a terminal (a
// CI log) a heartbeat line instead says every ~10 s that the command is alive and where it is.

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

/**
 * [choice] Milliseconds between heartbeat lines: often enough that a CI job watching for output
 * (GitHub Actions, GitLab: minutes) sees the run alive, rare enough to keep the log short.
 * PACGEN_HEARTBEAT_MS overrides it (tests use a short one).
 */
export const HEARTBEAT_MS = 10_000;

/** The heartbeat interval: PACGEN_HEARTBEAT_MS when it is a number ≥ 1, else HEARTBEAT_MS. */
export function heartbeatInterval(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PACGEN_HEARTBEAT_MS);
  return Number.isFinite(v) && v >= 1 ? v : HEARTBEAT_MS;
}

/** `100` → `1m40s`. */
export function elapsed(seconds: number): string {
  const s = Math.floor(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Heartbeat lines on stderr, `pacgen: still working — score, 1m40s, trace 3/30 HVPs`, at most
 * one per `intervalMs`: from a timer (while the command awaits) and from each progress update
 * (long synchronous WebAssembly work starves timers). `stop` ends the timer.
 */
function heartbeat(command: string, intervalMs: number) {
  const t0 = Date.now();
  let last = t0;
  let step = '';
  const beat = () => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    const where = step === '' ? '' : `, ${step}`;
    process.stderr.write(
      `pacgen: still working — ${command}, ${elapsed((now - t0) / 1000)}${where}\n`,
    );
  };
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    beat,
    at(label: string, done: number, total: number, unit: string) {
      // A placeholder bar (no label, nothing to count) says nothing about where the run is.
      if (label === '' && total <= 0) return;
      step = `${label === '' ? 'step' : label} ${done}/${total}${unit === '' ? '' : ` ${unit}`}`;
      beat();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * A progress factory; with `enabled: false` every bar is a no-op. With `heartbeat` (a command
 * name), bars that are not drawn still feed the heartbeat lines.
 */
export function createProgress(options: {
  enabled: boolean;
  heartbeat?: { command: string; intervalMs: number };
}): Progress {
  let current: ProgressBar | null = null;
  const hb =
    options.heartbeat && heartbeat(options.heartbeat.command, options.heartbeat.intervalMs);
  return {
    enabled: options.enabled,
    bar(label, total, unit = '') {
      current?.stop();
      if (!options.enabled) {
        if (!hb) return SILENT_BAR;
        let n = total;
        hb.at(label.trim(), 0, n, unit);
        return {
          update: (done, newTotal) => {
            n = newTotal ?? n;
            hb.at(label.trim(), done, n, unit);
          },
          stop: () => undefined,
        };
      }
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
