import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  affectedNames,
  barClass,
  dayState,
  describeDay,
  describeZone,
  formatDay,
  formatDuration,
  formatLatency,
  formatTimestamp,
  formatUptime,
  overallState,
  parseDays,
  routeState,
  TONES,
} from '../src/model.js';

describe('formatUptime', () => {
  test('keeps two decimals without rounding up', () => {
    assert.equal(formatUptime(99.95), '99.95%');
    assert.equal(formatUptime(99.9), '99.90%');
    assert.equal(formatUptime(99.987), '99.98%');
  });

  test('never shows 100% while there were failures', () => {
    assert.equal(formatUptime(99.995), '99.99%');
    assert.equal(formatUptime(99.9999999), '99.99%');
    // One failure in a million requests.
    assert.equal(formatUptime(((1e6 - 1) / 1e6) * 100), '99.99%');
  });

  test('shows exactly 100, 0 and missing data', () => {
    assert.equal(formatUptime(100), '100%');
    assert.equal(formatUptime(0), '0.00%');
    assert.equal(formatUptime(null), 'No data');
    assert.equal(formatUptime(undefined), 'No data');
  });

  test('survives binary noise of decimal values', () => {
    // 0.1 + 0.2 style noise must not push a value below its decimal form.
    for (const v of [99.94, 99.95, 99.96, 98.03, 12.34]) assert.equal(formatUptime(v), `${v.toFixed(2)}%`);
  });
});

describe('state from counts', () => {
  test('days map to tones by their failures, client errors are not failures', () => {
    assert.equal(dayState({ requests: 0, failures: 0 }).tone, 'none');
    assert.equal(dayState({ requests: 100, failures: 0, client_errors: 50 }).tone, 'ok');
    assert.deepEqual(dayState({ requests: 1000, failures: 1 }), { tone: 'ok', label: 'A few failures' });
    assert.deepEqual(dayState({ requests: 1000, failures: 2 }), { tone: 'warn', label: 'Elevated failures' });
    assert.equal(dayState({ requests: 100, failures: 1 }).tone, 'warn');
    assert.equal(dayState({ requests: 100, failures: 5 }).tone, 'warn');
    assert.deepEqual(dayState({ requests: 100, failures: 6 }), { tone: 'bad', label: 'Major failures' });
    assert.equal(dayState({ requests: 100, failures: 100 }).tone, 'bad');
  });

  test('bar classes carry the tone', () => {
    assert.equal(barClass({ requests: 0, failures: 0 }), 'bar tone-none');
    assert.equal(barClass({ requests: 10, failures: 0 }), 'bar tone-ok');
    assert.equal(barClass({ requests: 10, failures: 10 }), 'bar tone-bad');
  });

  test('every route and overall state has a label and a glyph, not only a colour', () => {
    for (const s of ['operational', 'degraded', 'outage', 'maintenance', 'no_data']) {
      const state = routeState(s);
      assert.ok(state.label.length > 0);
      assert.ok(TONES[state.tone].glyph);
    }
    for (const s of ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'no_data']) {
      assert.notEqual(overallState(s).label, 'Unknown');
    }
    assert.equal(routeState('something-new').label, 'Unknown');
    const glyphs = new Set(Object.values(TONES).map((t) => t.glyph));
    assert.equal(glyphs.size, Object.keys(TONES).length);
  });
});

describe('time display', () => {
  test('timestamps show the reader zone and its name', () => {
    const iso = '2026-11-21T15:00:00Z';
    const berlin = formatTimestamp(iso, { timeZone: 'Europe/Berlin', locale: 'en-GB' });
    assert.match(berlin, /16:00/);
    assert.match(berlin, /CET/);
    const ny = formatTimestamp(iso, { timeZone: 'America/New_York', locale: 'en-US' });
    assert.match(ny, /10:00/);
    assert.match(ny, /EST/);
    assert.match(formatTimestamp(iso, { timeZone: 'UTC', locale: 'en-GB', seconds: true }), /15:00:00 UTC/);
  });

  test('summer time changes the zone name', () => {
    assert.match(formatTimestamp('2026-07-01T12:00:00Z', { timeZone: 'Europe/Berlin', locale: 'en-GB' }), /14:00 CEST/);
  });

  test('zone description names the IANA zone', () => {
    assert.equal(describeZone('Europe/Berlin', new Date('2026-11-21T15:00:00Z'), 'en-GB'), 'Europe/Berlin (CET)');
    assert.equal(describeZone('UTC', new Date(), 'en-GB'), 'UTC');
  });

  test('history days are UTC days whatever the reader zone', () => {
    assert.equal(formatDay('2026-08-24', 'en-GB'), 'Mon, 24 Aug 2026');
  });

  test('invalid timestamps show a dash', () => {
    assert.equal(formatTimestamp('not a date', { timeZone: 'UTC' }), '–');
  });
});

describe('other formatting', () => {
  test('latency', () => {
    assert.equal(formatLatency(null), '–');
    assert.equal(formatLatency(0.4), '<1 ms');
    assert.equal(formatLatency(12.5), '13 ms');
    assert.equal(formatLatency(1250), '1.25 s');
    assert.equal(formatLatency(12500), '12.5 s');
  });

  test('durations', () => {
    assert.equal(formatDuration(20_000), 'under a minute');
    assert.equal(formatDuration(45 * 60_000), '45 min');
    assert.equal(formatDuration(125 * 60_000), '2 h 5 min');
    assert.equal(formatDuration(120 * 60_000), '2 h');
    assert.equal(formatDuration((3 * 24 + 4) * 3_600_000), '3 d 4 h');
  });

  test('days from the query string fall back to 90', () => {
    assert.equal(parseDays('?days=30'), 30);
    assert.equal(parseDays('?days=60'), 60);
    assert.equal(parseDays('?days=7'), 90);
    assert.equal(parseDays('?days=abc'), 90);
    assert.equal(parseDays(''), 90);
  });

  test('affected routes by name, empty meaning all', () => {
    const routes = [{ id: 1, name: 'Users' }, { id: 2, name: 'Orders' }];
    assert.equal(affectedNames([], routes), 'All routes');
    assert.equal(affectedNames([2, 1], routes), 'Orders, Users');
    assert.equal(affectedNames([9], routes), 'Route 9');
  });

  test('day description lists date, state, uptime and counts', () => {
    const lines = describeDay(
      { date: '2026-11-20', requests: 2000, failures: 3, client_errors: 7, uptime: 99.85, latency_p95_ms: 48 },
      'en-GB',
    );
    assert.deepEqual(lines, [
      'Fri, 20 Nov 2026 (UTC)',
      'Elevated failures',
      '99.85% uptime',
      '2,000 requests, 3 failed, 7 client errors',
      'p95 latency 48 ms',
    ]);
    assert.deepEqual(describeDay({ date: '2026-11-20', requests: 0, failures: 0 }, 'en-GB'), [
      'Fri, 20 Nov 2026 (UTC)',
      'No requests',
    ]);
  });
});
