/**
 * The simulator's notion of "now" (epoch milliseconds).
 *
 * - `manual`: time only moves when someone calls `advance(ms)` / `set(ms)`. Tests use it so that queue times, expiry
 *   and automatic agent actions are deterministic. It starts at `start` (default: the real time when it was built,
 *   so that clients validating "QueueStartTime must be in the past" against their own clock agree with it).
 * - `real`: `Date.now()` plus an offset; `advance(ms)` / `set(ms)` move the offset, so a demo can still skip ahead.
 *
 * The model never reads `Date.now()` directly: it asks its Clock. Moving a clock used by an OpenMediaModel should go
 * through `model.advance(ms)`, which also runs every timer that falls due on the way.
 */
export type ClockMode = 'manual' | 'real';

/**
 * The times the clock may show: those a .NET DateTime holds (years 1 to 9999), what the service writes in every
 * xs:dateTime. Far inside what a JavaScript Date holds (8.64e15 ms), so a due time or an expiry the model adds to
 * the clock (a scenario's durations are at most a year) is a valid date too: a clock moved past a Date's range made
 * every date the model writes (status records, the console, GET /control/state) throw.
 */
export const MIN_TIME = -62135596800000; // 0001-01-01T00:00:00Z (Date.UTC would read the year 1 as 1901)
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface ClockOptions {
  mode?: ClockMode;
  /** Manual mode: initial time (epoch ms or a Date). Real mode: ignored (use set()). */
  start?: number | Date;
}

export class Clock {
  readonly mode: ClockMode;
  private manualNow: number;
  private offset = 0;

  constructor(options: ClockOptions = {}) {
    this.mode = options.mode ?? 'manual';
    const start = options.start instanceof Date ? options.start.getTime() : options.start;
    if (start !== undefined && !Number.isFinite(start)) throw new RangeError('Clock start must be a finite time');
    this.manualNow = start ?? Date.now();
  }

  static manual(start?: number | Date): Clock {
    return new Clock({ mode: 'manual', start });
  }

  static real(): Clock {
    return new Clock({ mode: 'real' });
  }

  /** Current time, epoch milliseconds. */
  now(): number {
    return this.mode === 'manual' ? this.manualNow : Date.now() + this.offset;
  }

  /** Moves time forward by `ms` (>= 0), never past MAX_TIME. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Clock.advance needs a duration >= 0 ms, got ${ms}`);
    this.set(this.now() + ms);
  }

  /**
   * Sets the current time (epoch ms, within +-MAX_TIME). Going backwards is allowed here, but the model never stamps
   * an event earlier than the previous one.
   */
  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) {
      throw new RangeError(`Clock.set needs a time from year 1 to 9999 (${MIN_TIME} to ${MAX_TIME} ms), got ${ms}`);
    }
    if (this.mode === 'manual') this.manualNow = ms;
    else this.offset = ms - Date.now();
  }
}
