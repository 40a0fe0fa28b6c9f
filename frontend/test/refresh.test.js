import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { startRefresh } from '../src/refresh.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Timers under the test's control: `tick(ms)` runs what falls due. */
function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map();
  return {
    setTimeout(fn, ms) {
      pending.set(nextId, { fn, at: now + ms });
      return nextId++;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    tick(ms) {
      now += ms;
      for (const [id, { fn, at }] of [...pending]) {
        if (at <= now) {
          pending.delete(id);
          fn();
        }
      }
    },
    get pending() {
      return pending.size;
    },
  };
}

describe('startRefresh', () => {
  test('reloads after the interval the last answer asked for', async () => {
    const timers = fakeTimers();
    const intervals = [5, 2, 2];
    let calls = 0;
    const refresher = startRefresh(async () => intervals[calls++] ?? 2, { timers, initialSeconds: 60 });
    await refresher.now();
    assert.equal(calls, 1);
    assert.equal(refresher.intervalSeconds, 5);
    timers.tick(4999);
    await settle();
    assert.equal(calls, 1);
    timers.tick(1);
    await settle();
    assert.equal(calls, 2);
    timers.tick(2000);
    await settle();
    assert.equal(calls, 3);
    assert.equal(timers.pending, 1, 'one timer at a time');
    refresher.stop();
    assert.equal(timers.pending, 0);
    timers.tick(60_000);
    await settle();
    assert.equal(calls, 3);
  });

  test('now() during a load runs once more after it, never in parallel', async () => {
    const releases = [];
    let active = 0;
    let most = 0;
    const load = mock.fn(() => {
      active += 1;
      most = Math.max(most, active);
      return new Promise((resolve) => releases.push(() => { active -= 1; resolve(60); }));
    });
    const refresher = startRefresh(load, { timers: fakeTimers(), initialSeconds: 60 });
    const first = refresher.now();
    const second = refresher.now();
    const third = refresher.now();
    assert.equal(load.mock.callCount(), 1);
    releases[0]();
    await first;
    await settle();
    // The two calls made during the first load are served by one more load.
    assert.equal(load.mock.callCount(), 2);
    releases[1]();
    await Promise.all([second, third]);
    assert.equal(load.mock.callCount(), 2);
    assert.equal(most, 1);
    refresher.stop();
  });

  test('a failed load still schedules the next one', async () => {
    const timers = fakeTimers();
    let calls = 0;
    const errors = [];
    const refresher = startRefresh(async () => {
      calls += 1;
      throw new Error(`boom ${calls}`);
    }, { timers, initialSeconds: 3, onError: (error) => errors.push(error.message) });
    await assert.rejects(refresher.now(), { message: 'boom 1' });
    timers.tick(3000);
    await settle();
    assert.equal(calls, 2);
    assert.deepEqual(errors, ['boom 2']);
    timers.tick(3000);
    await settle();
    assert.equal(calls, 3);
    refresher.stop();
  });
});
