import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { startRefresh } from '../src/refresh.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('startRefresh', () => {
  test('reloads after the interval the last answer asked for', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const intervals = [5, 2, 2];
    let calls = 0;
    const refresher = startRefresh(async () => intervals[calls++] ?? 2, { timers: globalThis, initialSeconds: 60 });
    await refresher.now();
    assert.equal(calls, 1);
    assert.equal(refresher.intervalSeconds, 5);
    t.mock.timers.tick(4999);
    await settle();
    assert.equal(calls, 1);
    t.mock.timers.tick(1);
    await settle();
    assert.equal(calls, 2);
    t.mock.timers.tick(2000);
    await settle();
    assert.equal(calls, 3);
    refresher.stop();
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(calls, 3);
  });

  test('a load already running is not started twice', async () => {
    let release;
    const load = mock.fn(() => new Promise((resolve) => { release = resolve; }));
    const refresher = startRefresh(load, { initialSeconds: 60 });
    const first = refresher.now();
    const second = refresher.now();
    assert.equal(load.mock.callCount(), 1);
    release(60);
    await Promise.all([first, second]);
    refresher.stop();
  });

  test('a failed load still schedules the next one', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let calls = 0;
    const errors = [];
    const refresher = startRefresh(async () => {
      calls += 1;
      throw new Error(`boom ${calls}`);
    }, { initialSeconds: 3, onError: (error) => errors.push(error.message) });
    await assert.rejects(refresher.now(), { message: 'boom 1' });
    t.mock.timers.tick(3000);
    await settle();
    assert.equal(calls, 2);
    assert.deepEqual(errors, ['boom 2']);
    t.mock.timers.tick(3000);
    await settle();
    assert.equal(calls, 3);
    refresher.stop();
  });
});
