// Periodic refresh. The next run is scheduled when the previous one finished, with the interval
// the server asks for at that time, so slow answers never pile up.

/**
 * Start calling `load()` (returns a promise of the interval in seconds to wait next) repeatedly.
 * Returns {now(), stop()}: `now()` loads at once and reschedules; called while a load runs, it
 * loads once more right after that one (the reader asked for something newer), never in
 * parallel. `stop()` cancels. A load that rejects keeps the previous interval; from a timer its
 * error goes to `onError`.
 */
export function startRefresh(load, { timers = globalThis, initialSeconds = 60, onError = console.error } = {}) {
  let handle = null;
  let stopped = false;
  let running = null;
  let again = null;
  let seconds = initialSeconds;

  const schedule = () => {
    if (stopped) return;
    timers.clearTimeout(handle);
    // A timer has nobody to reject to: report the failure; run() has rescheduled already.
    handle = timers.setTimeout(() => run().catch(onError), Math.max(1, seconds) * 1000);
  };

  async function once() {
    timers.clearTimeout(handle);
    try {
      const next = await load();
      if (Number.isFinite(next) && next > 0) seconds = next;
    } finally {
      running = null;
      schedule();
    }
  }

  function run() {
    if (!running) {
      running = once();
      return running;
    }
    if (!again) {
      again = running.catch(() => {}).then(() => {
        again = null;
        return run();
      });
    }
    return again;
  }

  return {
    now: run,
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
    get intervalSeconds() {
      return seconds;
    },
  };
}
