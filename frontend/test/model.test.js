import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  affectedNames,
  barClass,
  dayState,
  daysZone,
  describeDay,
  describeZone,
  formatAge,
  formatDay,
  formatDuration,
  formatLatency,
  formatTimestamp,
  formatUptime,
  instancesText,
  overallState,
  parseDays,
  retrySentence,
  routeState,
  sentence,
  TONES,
  historyDays,
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

describe('day states', () => {
  test('days without a server state map to tones by their failures, client errors are not failures', () => {
    assert.equal(dayState({ requests: 0, failures: 0 }).tone, 'none');
    assert.equal(dayState({ requests: 100, failures: 0, client_errors: 50 }).tone, 'ok');
    assert.deepEqual(dayState({ requests: 1000, failures: 1 }), { tone: 'ok', label: 'A few failures' });
    assert.deepEqual(dayState({ requests: 1000, failures: 2 }), { tone: 'warn', label: 'Elevated failures' });
    assert.equal(dayState({ requests: 100, failures: 1 }).tone, 'warn');
    assert.equal(dayState({ requests: 100, failures: 5 }).tone, 'warn');
    assert.deepEqual(dayState({ requests: 100, failures: 6 }), { tone: 'bad', label: 'Major failures' });
    assert.equal(dayState({ requests: 100, failures: 100 }).tone, 'bad');
  });

  test("the server's state wins over the counts", () => {
    // A day the server calls degraded (e.g. slow) though no request failed.
    assert.deepEqual(dayState({ requests: 100, failures: 0, state: 'degraded' }), { tone: 'warn', label: 'Degraded' });
    assert.equal(dayState({ requests: 100, failures: 0, state: 'maintenance' }).tone, 'maint');
    assert.equal(dayState({ requests: 100, failures: 50, state: 'partial_outage' }).label, 'Partial outage');
    assert.equal(dayState({ requests: 100, failures: 50, state: 'major_outage' }).label, 'Major outage');
    // A state this page does not know falls back to the counts.
    assert.equal(dayState({ requests: 100, failures: 0, state: 'brand_new' }).label, 'No failures');
  });

  test('no traffic and no data differ from each other and from a fine day', () => {
    const idle = dayState({ requests: 0, failures: 0, state: 'no_traffic' });
    const none = dayState({ requests: 0, failures: 0, state: 'no_data' });
    const fine = dayState({ requests: 100, failures: 0, state: 'operational' });
    assert.deepEqual([idle.tone, idle.label], ['idle', 'No traffic']);
    assert.deepEqual([none.tone, none.label], ['none', 'No data']);
    assert.equal(fine.tone, 'ok');
    assert.match(idle.note, /reporting; no requests/);
    assert.match(none.note, /No instance/);
    assert.equal(barClass({ requests: 0, failures: 0, state: 'no_traffic' }), 'bar tone-idle');
    assert.equal(barClass({ requests: 0, failures: 0, state: 'no_data' }), 'bar tone-none');
  });

  test('bar classes carry the tone', () => {
    assert.equal(barClass({ requests: 0, failures: 0 }), 'bar tone-none');
    assert.equal(barClass({ requests: 10, failures: 0 }), 'bar tone-ok');
    assert.equal(barClass({ requests: 10, failures: 10 }), 'bar tone-bad');
  });

  test('every route and overall state has a label and a glyph, not only a colour', () => {
    for (const s of ['operational', 'degraded', 'outage', 'maintenance', 'no_traffic', 'no_data']) {
      const state = routeState(s);
      assert.notEqual(state.label, 'Unknown', s);
      assert.ok(state.label.length > 0);
      assert.ok(TONES[state.tone].glyph);
    }
    for (const s of ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'no_data']) {
      assert.notEqual(overallState(s).label, 'Unknown');
    }
    for (const s of ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'no_traffic', 'no_data']) {
      const state = dayState({ requests: 0, failures: 0, state: s });
      assert.ok(TONES[state.tone].glyph, s);
      assert.notEqual(state.label, 'No requests', s);
    }
    assert.equal(routeState('something-new').label, 'Unknown');
    assert.notEqual(routeState('no_traffic').tone, routeState('no_data').tone);
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

  test('history days are the calendar dates the server sent, whatever the reader zone', () => {
    assert.equal(formatDay('2026-08-24', 'en-GB'), 'Mon, 24 Aug 2026');
    assert.equal(formatDay('2026-01-01', 'en-US'), 'Thu, Jan 1, 2026');
    // Years before 1000 and before 100 keep their own year (Date.UTC would make 0099 into 1999).
    assert.equal(formatDay('0999-06-01', 'en-GB'), 'Sat, 1 Jun 999');
    assert.equal(formatDay('0099-06-01', 'en-GB'), 'Mon, 1 Jun 99');
    // Not a date string: shown as sent rather than as a made-up day.
    assert.equal(formatDay('2026-11-21T00:00:00Z', 'en-GB'), '2026-11-21T00:00:00Z');
  });

  test('the days zone comes from the summary, UTC when the server does not say', () => {
    assert.equal(daysZone({ timezone: 'Europe/Madrid' }), 'Europe/Madrid');
    assert.equal(daysZone({}), 'UTC');
    assert.equal(daysZone({ timezone: '' }), 'UTC');
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

  test('affected components by name, no route meaning all', () => {
    const components = [{ id: 'users', name: 'Users' }, { id: 'orders', name: 'Orders' }];
    assert.equal(affectedNames({ route_ids: [], component_ids: ['users', 'orders'] }, components), 'All components');
    assert.equal(affectedNames({ route_ids: [4, 2], component_ids: ['orders', 'users'] }, components), 'Orders, Users');
    // Routes of no component shown here (hidden ones) are still named as something.
    assert.equal(affectedNames({ route_ids: [9], component_ids: [] }, components), 'Parts of the service not listed here');
  });

  test('instances reporting now, and nothing when the server does not say', () => {
    assert.equal(instancesText({ instances: { reporting: 3 } }, 'en-GB'), '3 instances reporting now');
    assert.equal(instancesText({ instances: { reporting: 1 } }, 'en-GB'), '1 instance reporting now');
    assert.equal(instancesText({ instances: { reporting: 0 } }, 'en-GB'), 'No instance reporting now');
    assert.equal(instancesText({ instances: { reporting: 1200 } }, 'en-GB'), '1,200 instances reporting now');
    assert.equal(instancesText({}, 'en-GB'), null);
  });

  test('ages, sentences and the retry sentence', () => {
    assert.equal(formatAge(20_000), 'less than a minute ago');
    assert.equal(formatAge(60_000), '1 minute ago');
    assert.equal(formatAge(3 * 60_000 + 59_000), '3 minutes ago');
    assert.equal(formatAge(119 * 60_000), '119 minutes ago');
    assert.equal(formatAge(5 * 3_600_000), '5 hours ago');
    assert.equal(formatAge(3 * 86_400_000), '3 days ago');
    assert.equal(formatAge(-5000), 'less than a minute ago');
    assert.equal(sentence('the status database is unavailable; try again shortly'), 'The status database is unavailable; try again shortly.');
    assert.equal(sentence(' Already one. '), 'Already one.');
    assert.equal(retrySentence(60), 'The page tries again every 60 seconds.');
    assert.equal(retrySentence(1), 'The page tries again every second.');
    assert.equal(retrySentence(0), '');
  });

  test('day description: date of the page zone, state, uptime, counts, p95 and incidents', () => {
    const lines = describeDay(
      {
        date: '2026-11-20',
        requests: 2000,
        failures: 3,
        client_errors: 7,
        uptime: 99.85,
        latency_p95_ms: 48,
        state: 'degraded',
        incidents: [
          { id: 4, title: 'Checkout errors', impact: 'minor' },
          { id: 5, title: 'Database failover', impact: 'major' },
        ],
      },
      'en-GB',
      'Europe/Madrid',
    );
    assert.deepEqual(lines, [
      'Fri, 20 Nov 2026 (Europe/Madrid)',
      'Degraded',
      '99.85% uptime',
      '2,000 requests, 3 failed, 7 client errors',
      'Latency p95 48 ms',
      'Minor impact: Checkout errors',
      'Major impact: Database failover',
    ]);
  });

  test('a day the app was partly down says for how much of the day nothing reported', () => {
    const day = { date: '2026-11-20', requests: 230, failures: 0, client_errors: 0, uptime: 100, latency_p95_ms: 12, state: 'operational', coverage: 95.83, incidents: [] };
    const lines = describeDay(day, 'en-GB', 'UTC');
    assert.ok(lines.includes('No data for 4.17% of the day: no instance reported'), lines.join(' | '));
    assert.ok(lines.includes('100% uptime while reporting'), lines.join(' | '));
    assert.equal(barClass(day), 'bar tone-ok partial');
    assert.ok(describeDay(day, 'en-GB', 'UTC', true).includes('No data for 4.17% of the day so far: no instance reported'));
    for (const coverage of [100, 0]) {
      const full = describeDay({ ...day, coverage }, 'en-GB', 'UTC');
      assert.ok(!full.some((l) => l.startsWith('No data for')));
      assert.ok(full.includes('100% uptime'));
      assert.equal(barClass({ ...day, coverage }), 'bar tone-ok');
    }
  });

  test('day description of a day without a state, as servers before states send it', () => {
    assert.deepEqual(
      describeDay({ date: '2026-11-20', requests: 2000, failures: 3, client_errors: 0, uptime: 99.85, latency_p95_ms: 48 }, 'en-GB', 'UTC'),
      ['Fri, 20 Nov 2026 (UTC)', 'Elevated failures', '99.85% uptime', '2,000 requests, 3 failed', 'Latency p95 48 ms'],
    );
    // No incidents field: the tooltip says nothing about incidents rather than "No incidents".
    assert.deepEqual(describeDay({ date: '2026-11-20', requests: 0, failures: 0, uptime: null }, 'en-GB', 'UTC'), [
      'Fri, 20 Nov 2026 (UTC)',
      'No requests',
    ]);
  });

  test('day description of no traffic gives zero counts, of no data no counts at all', () => {
    const quiet = { date: '2026-11-20', requests: 0, failures: 0, uptime: null, latency_p95_ms: null, incidents: [] };
    assert.deepEqual(describeDay({ ...quiet, state: 'no_traffic' }, 'en-GB', 'UTC'), [
      'Fri, 20 Nov 2026 (UTC)',
      'No traffic',
      'Instances were reporting; no requests came in.',
      'No uptime without requests',
      '0 requests, 0 failed',
      'No incidents',
    ]);
    assert.deepEqual(describeDay({ ...quiet, state: 'no_data' }, 'en-GB', 'UTC'), [
      'Fri, 20 Nov 2026 (UTC)',
      'No data',
      'No instance of the service reported.',
      'No incidents',
    ]);
  });

  test('a day with many incidents lists three and counts the rest', () => {
    const incidents = [1, 2, 3, 4, 5].map((id) => ({ id, title: `Incident ${id}`, impact: 'minor' }));
    const lines = describeDay({ date: '2026-11-20', requests: 10, failures: 0, uptime: 100, incidents }, 'en-GB', 'UTC');
    assert.deepEqual(lines.slice(-4), ['Minor impact: Incident 1', 'Minor impact: Incident 2', 'Minor impact: Incident 3', 'and 2 more incidents']);
  });
});

describe('columnar history', () => {
  test('columns become one day each, dated from start, incidents named by the summary', () => {
    const history = {
      start: '2026-02-27',
      requests: [10, 0, 5],
      failures: [1, 0, 0],
      client_errors: [0, 0, 2],
      uptime: [90, null, 100],
      coverage: [100, 50, 100],
      p50: [1, null, 2],
      p95: [3, null, 4],
      p99: [5, null, 6],
      state: ['degraded', 'no_data', 'operational'],
      incidents: [[0, 7], [2, 7], [2, 8]],
    };
    const referenced = { 7: { title: 'Slow', impact: 'minor' }, 8: { title: 'Down', impact: 'major' } };
    const days = historyDays(history, referenced);
    assert.deepEqual(days.map((d) => d.date), ['2026-02-27', '2026-02-28', '2026-03-01']);
    assert.deepEqual(days[0], {
      date: '2026-02-27', requests: 10, failures: 1, client_errors: 0, uptime: 90, coverage: 100,
      latency_p50_ms: 1, latency_p95_ms: 3, latency_p99_ms: 5, state: 'degraded',
      incidents: [{ id: 7, title: 'Slow', impact: 'minor' }],
    });
    assert.deepEqual(days[1].incidents, []);
    assert.deepEqual(days[2].incidents.map((i) => i.title), ['Slow', 'Down']);
    assert.deepEqual(historyDays({ start: null, requests: [] }), []);
  });
});
