import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clearError, periodUptimeText, renderError, renderSummary } from '../src/render.js';
import { tipOf } from '../src/tooltip.js';
import { component, ctx, history, incident, pageDocument, summary } from './fixtures.js';

const rows = (doc) => Array.from(doc.querySelectorAll('#component-list > li'));
const INLINE = new Set(['TIME', 'STRONG', 'A', 'CODE']);

/** Visible text with block-like elements separated by spaces, as a reader would see it. */
function text(node) {
  const parts = [];
  const walk = (n) => {
    if (n.nodeType === 3) parts.push(n.nodeValue);
    else if (n.nodeType === 1) {
      const gap = INLINE.has(n.tagName) ? '' : ' ';
      parts.push(gap);
      n.childNodes.forEach(walk);
      parts.push(gap);
    }
  };
  node.childNodes.forEach(walk);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

const round2 = (value) => Math.round(value * 100) / 100;

describe('overall banner and page info', () => {
  test('operational page: title, banner, links and last update in the reader zone', () => {
    const doc = pageDocument();
    renderSummary(doc, summary(), ctx);
    assert.equal(doc.getElementById('page-title').textContent, 'Acme status');
    assert.equal(doc.title, 'Acme status: All systems operational');
    assert.equal(doc.getElementById('overall').className, 'banner tone-ok');
    assert.equal(doc.getElementById('overall-heading').textContent, 'All systems operational');
    assert.equal(doc.querySelector('#overall .icon').textContent, '✓');
    assert.equal(doc.getElementById('feed-link').getAttribute('href'), 'https://example.test/app/status/feed.atom');
    assert.equal(doc.getElementById('badge-link').getAttribute('href'), 'https://example.test/app/status/badge.svg');
    const updated = text(doc.getElementById('updated'));
    assert.match(updated, /Last updated 21 Nov 2026, 16:00:00 CET/);
    assert.match(updated, /Europe\/Berlin \(CET\)/);
    assert.equal(doc.body.getAttribute('data-state'), 'ready');
  });

  for (const [indicator, tone, glyph] of [
    ['degraded', 'warn', '!'],
    ['partial_outage', 'bad', '×'],
    ['major_outage', 'bad', '×'],
    ['maintenance', 'maint', '‖'],
    ['no_data', 'none', '–'],
  ]) {
    test(`banner for ${indicator} has tone, glyph and text`, () => {
      const doc = pageDocument();
      renderSummary(doc, summary({ status: { indicator, description: `Text for ${indicator}` } }), ctx);
      assert.equal(doc.getElementById('overall').className, `banner tone-${tone}`);
      assert.equal(doc.querySelector('#overall .icon').textContent, glyph);
      assert.equal(doc.getElementById('overall-heading').textContent, `Text for ${indicator}`);
    });
  }

  test('links with other schemes than http(s) are not used', () => {
    const doc = pageDocument();
    const data = summary();
    data.page.feed_url = 'javascript:alert(1)';
    renderSummary(doc, data, ctx);
    assert.equal(doc.getElementById('feed-link').getAttribute('href'), 'feed.atom');
  });
});

describe('component rows', () => {
  test('one row per component with name, description, state, bars, uptime and p50, p95, p99', () => {
    const doc = pageDocument();
    renderSummary(doc, summary(), ctx);
    const [first, second] = rows(doc);
    assert.equal(rows(doc).length, 2);
    assert.equal(first.id, 'component-c1');
    assert.equal(first.querySelector('.component-name').textContent, 'Component 1');
    assert.equal(first.querySelector('code'), null); // no URL rule on a public page
    assert.equal(first.querySelector('.component-description').textContent, 'Does thing 1');
    assert.equal(text(first.querySelector('.component-state')), '✓ Operational');
    assert.equal(first.querySelectorAll('.bars > li').length, 30);
    assert.equal(first.querySelector('[data-window="24h"]').textContent, '100%');
    assert.equal(first.querySelector('[data-window="7d"]').textContent, '99.95%');
    assert.equal(first.querySelector('[data-window="90d"]').textContent, 'No data');
    assert.equal(first.querySelector('[data-latency="p50"]').textContent, '13 ms');
    assert.equal(first.querySelector('[data-latency="p95"]').textContent, '48 ms');
    assert.equal(first.querySelector('[data-latency="p99"]').textContent, '90 ms');
    assert.equal(first.querySelector('.badge-link').getAttribute('href'), 'https://example.test/app/status/badges/components/c1/uptime.svg');
    assert.equal(text(first.querySelector('.badge-link')), 'Badge for Component 1');
    assert.equal(second.id, 'component-c2');
    assert.equal(doc.getElementById('components-empty').hidden, true);
  });

  for (const [status, tone, label] of [
    ['degraded', 'warn', 'Degraded'],
    ['outage', 'bad', 'Outage'],
    ['maintenance', 'maint', 'Maintenance'],
    ['no_traffic', 'idle', 'No traffic'],
    ['no_data', 'none', 'No data'],
  ]) {
    test(`route state ${status} renders as shape, glyph and text`, () => {
      const doc = pageDocument();
      renderSummary(doc, summary({ components: [component(1, { status })] }), ctx);
      const state = doc.querySelector('#component-c1 .component-state .state');
      assert.equal(state.className, `state tone-${tone}`);
      assert.equal(state.querySelector('.icon').getAttribute('aria-hidden'), 'true');
      assert.equal(state.lastChild.textContent, label);
    });
  }

  test('bars: one per day, oldest first, tone classes, labels, tooltips and a single tab stop', () => {
    const doc = pageDocument();
    const days = history(30, (i) => (i === 0 ? { requests: 0, failures: 0 } : i === 10 ? { requests: 100, failures: 50 } : i === 20 ? { requests: 100, failures: 2 } : { requests: 100, failures: 0 }));
    renderSummary(doc, summary({ components: [component(7, { history: days })] }), ctx);
    const bars = Array.from(doc.querySelectorAll('#component-c7 .bars > li'));
    assert.equal(bars[0].id, 'bar-c7-2026-10-23');
    assert.equal(bars[29].id, 'bar-c7-2026-11-21');
    assert.equal(bars[0].className, 'bar tone-none');
    assert.equal(bars[10].className, 'bar tone-bad');
    assert.equal(bars[20].className, 'bar tone-warn');
    assert.equal(bars[21].className, 'bar tone-ok');
    assert.equal(bars[10].getAttribute('aria-label'), 'Mon, 2 Nov 2026: Major failures, 50.00% uptime');
    assert.equal(bars[0].getAttribute('aria-label'), 'Fri, 23 Oct 2026: No requests');
    assert.deepEqual(tipOf(bars[20]), ['Thu, 12 Nov 2026 (UTC)', 'Elevated failures', '98.00% uptime', '100 requests, 2 failed', 'Latency p95 40 ms', 'No incidents']);
    assert.deepEqual(bars.map((b) => b.getAttribute('tabindex')).filter((t) => t === '0'), ['0']);
    assert.equal(bars[29].getAttribute('tabindex'), '0');
    assert.equal(doc.querySelector('#component-c7 .axis-start').textContent, '30 days ago');
    assert.equal(doc.querySelector('#component-c7 .axis-uptime').textContent, '98.20% uptime');
  });

  test("days are the server zone's calendar dates, named above the bars, whatever the reader zone", () => {
    // The reader is in Los Angeles (UTC-8): a date string read as UTC midnight would show there
    // as the day before. The bars must show the dates the server sent, as days of its zone.
    const doc = pageDocument();
    const reader = { ...ctx, timeZone: 'America/Los_Angeles', locale: 'en-GB' };
    renderSummary(doc, summary({ timezone: 'Asia/Tokyo', components: [component(3, { history: history(3) })] }), reader);
    const bars = Array.from(doc.querySelectorAll('#component-c3 .bars > li'));
    assert.deepEqual(bars.map((b) => b.id), ['bar-c3-2026-11-19', 'bar-c3-2026-11-20', 'bar-c3-2026-11-21']);
    assert.equal(bars[2].getAttribute('aria-label'), 'Sat, 21 Nov 2026: No failures, 100% uptime');
    assert.equal(tipOf(bars[2])[0], 'Sat, 21 Nov 2026 (Asia/Tokyo)');
    assert.equal(doc.getElementById('days-zone').textContent, 'Days in Asia/Tokyo');
    // Times of events stay in the reader zone, with the zone named.
    assert.match(text(doc.getElementById('updated')), /21 Nov 2026, 07:00:00 GMT-8.*America\/Los_Angeles/);
  });

  test('without a timezone field the days are UTC days, and an unsent instance count is not made up', () => {
    const doc = pageDocument();
    const data = summary();
    delete data.timezone;
    delete data.instances;
    renderSummary(doc, data, ctx);
    assert.equal(doc.getElementById('days-zone').textContent, 'Days in UTC');
    assert.equal(doc.getElementById('instances').hidden, true);
  });

  test('the page says how many instances report now', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ instances: { reporting: 3 } }), ctx);
    assert.equal(doc.getElementById('instances').hidden, false);
    assert.equal(doc.getElementById('instances').textContent, '3 instances reporting now');
    renderSummary(doc, summary({ instances: { reporting: 0 } }), ctx);
    assert.equal(doc.getElementById('instances').textContent, 'No instance reporting now');
  });

  test('no traffic and no data days: own tones, labels and tooltips, never 100%', () => {
    const doc = pageDocument();
    const states = ['operational', 'no_traffic', 'no_data', 'maintenance'];
    const days = history(4, (i) => ({
      requests: i === 0 || i === 3 ? 100 : 0,
      failures: 0,
      state: states[i],
      incidents: i === 3 ? [{ id: 9, title: 'Upgrade went long', impact: 'minor' }] : [],
    }));
    renderSummary(doc, summary({ components: [component(4, { history: days })] }), ctx);
    const bars = Array.from(doc.querySelectorAll('#component-c4 .bars > li'));
    assert.deepEqual(bars.map((b) => b.className), ['bar tone-ok', 'bar tone-idle', 'bar tone-none', 'bar tone-maint']);
    assert.deepEqual(bars.map((b) => b.getAttribute('aria-label')), [
      'Wed, 18 Nov 2026: Operational, 100% uptime',
      'Thu, 19 Nov 2026: No traffic',
      'Fri, 20 Nov 2026: No data',
      'Sat, 21 Nov 2026: Maintenance, 100% uptime',
    ]);
    assert.deepEqual(tipOf(bars[1]).slice(1, 3), ['No traffic', 'Instances were reporting; no requests came in.']);
    assert.deepEqual(tipOf(bars[2]), ['Fri, 20 Nov 2026 (UTC)', 'No data', 'No instance of the service reported.', 'No incidents']);
    assert.equal(tipOf(bars[3]).at(-1), 'Minor impact: Upgrade went long');
    assert.equal(doc.querySelector('#component-c4 .axis-uptime').textContent, '100% uptime · 1 day without data');
  });

  test('a day the app was down for an hour is not a full bar of 100%', () => {
    const doc = pageDocument();
    const partly = round2((23 * 100) / 24);
    const days = history(3, (i) => ({
      requests: 230,
      failures: 0,
      uptime: 100,
      state: 'operational',
      coverage: i === 0 ? 100 : partly, // yesterday down for an hour, today so far as well
      incidents: [],
    }));
    renderSummary(doc, summary({ components: [component(5, { history: days })] }), ctx);
    const bars = Array.from(doc.querySelectorAll('#component-c5 .bars > li'));
    assert.deepEqual(bars.map((b) => b.className), ['bar tone-ok', 'bar tone-ok partial', 'bar tone-ok partial']);
    assert.equal(bars[0].getAttribute('aria-label'), 'Thu, 19 Nov 2026: Operational, 100% uptime');
    assert.equal(
      bars[1].getAttribute('aria-label'),
      'Fri, 20 Nov 2026: Operational, 100% uptime while reporting, no data for 4.17% of the day',
    );
    assert.deepEqual(tipOf(bars[1]).slice(1, 6), [
      'Operational',
      '100% uptime while reporting',
      '230 requests, 0 failed',
      'Latency p95 40 ms',
      'No data for 4.17% of the day: no instance reported',
    ]);
    // Today is not over: its share is of the day so far.
    assert.ok(bars[2].getAttribute('aria-label').endsWith('no data for 4.17% of the day so far'));
    assert.equal(doc.querySelector('#component-c5 .axis-uptime').textContent, '100% uptime · 2 days partly without data');
  });

  test('period uptime sums counts and never hides a failure', () => {
    assert.equal(periodUptimeText(history(3, (i) => ({ requests: 0, failures: 0, state: i ? 'no_data' : 'no_traffic' }))), 'No requests in this period · 2 days without data');
    assert.equal(periodUptimeText(history(90, () => ({ requests: 100000, failures: 0 }))), '100% uptime');
    assert.equal(periodUptimeText(history(90, (i) => ({ requests: 100000, failures: i === 3 ? 1 : 0 }))), '99.99% uptime');
    assert.equal(periodUptimeText(history(90, () => ({ requests: 0, failures: 0 }))), 'No requests in this period');
  });

  test('empty state: no components yet', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ components: [], status: { indicator: 'no_data', description: 'No data yet' } }), ctx);
    assert.equal(doc.getElementById('components-empty').hidden, false);
    assert.match(doc.getElementById('components-empty').textContent, /No components yet/);
    assert.equal(doc.getElementById('component-list').hidden, true);
    assert.equal(doc.getElementById('days').hidden, true);
    assert.equal(doc.getElementById('past-empty').hidden, false);
    assert.equal(doc.getElementById('active-incidents').hidden, true);
    assert.equal(doc.getElementById('maintenance').hidden, true);
  });
});

describe('incidents and maintenance', () => {
  test('active incident with impact, affected components and timeline newest first', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ incidents: { active: [incident(5, { route_ids: [1, 2], component_ids: ['c1', 'c2'] })], recent: [] } }), ctx);
    assert.equal(doc.getElementById('active-incidents').hidden, false);
    const card = doc.getElementById('incident-5');
    assert.equal(card.className, 'card incident tone-bad');
    assert.equal(card.querySelector('.card-title').textContent, 'Incident 5');
    assert.equal(card.querySelector('.card-title').tagName, 'H3');
    assert.match(text(card), /Major impact/);
    assert.match(text(card.querySelector('.meta')), /^Affects Component 1, Component 2 · Started 21 Nov 2026, 14:00 CET$/);
    const items = Array.from(card.querySelectorAll('.timeline > li')).map(text);
    assert.deepEqual(items, [
      'Identified · 21 Nov 2026, 14:40 CET Database failover',
      'Investigating · 21 Nov 2026, 14:05 CET Looking into errors',
    ]);
  });

  test('past incidents collapse into details with resolution time and duration', () => {
    const doc = pageDocument();
    const past = incident(6, { status: 'resolved', resolved_at: '2026-11-21T15:05:00Z', automatic: true });
    renderSummary(doc, summary({ incidents: { active: [], recent: [past] } }), ctx);
    assert.equal(doc.getElementById('past-empty').hidden, true);
    const summaryEl = doc.getElementById('past-incident-6');
    assert.equal(summaryEl.tagName, 'SUMMARY');
    assert.match(text(summaryEl), /Incident 6/);
    const body = text(doc.querySelector('#past-list .details-body'));
    assert.match(body, /Resolved 21 Nov 2026, 16:05 CET after 2 h 5 min/);
    assert.match(body, /Detected automatically/);
  });

  test('maintenance windows, active and upcoming, with their time span', () => {
    const doc = pageDocument();
    const m = (id, status, route_ids, component_ids) => ({
      id,
      title: `Window ${id}`,
      description: 'Database upgrade',
      starts_at: '2026-11-22T01:00:00Z',
      ends_at: '2026-11-22T02:00:00Z',
      route_ids,
      component_ids,
      status,
    });
    const windows = { active: [m(1, 'in_progress', [2], ['c2'])], upcoming: [m(2, 'scheduled', [], ['c1', 'c2'])] };
    renderSummary(doc, summary({ maintenance: windows }), ctx);
    assert.equal(doc.getElementById('maintenance').hidden, false);
    assert.match(text(doc.getElementById('maintenance-1')), /Window 1 ‖ In progress 22 Nov 2026, 02:00 CET – 22 Nov 2026, 03:00 CET · Affects Component 2 Database upgrade/);
    assert.match(text(doc.getElementById('maintenance-2')), /– Scheduled .* · Affects All components/);
  });
});

describe('server text is text', () => {
  const evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">"\'&';

  test('route, incident and maintenance texts never become elements', () => {
    const doc = pageDocument();
    const data = summary({
      page: { title: evil, refresh_seconds: 60, feed_url: 'feed.atom', badge_url: 'badge.svg' },
      status: { indicator: 'major_outage', description: evil },
      components: [component(1, { name: evil, description: evil })],
      incidents: {
        active: [incident(1, { title: evil, updates: [{ id: 1, status: 'investigating', message: evil, created_at: '2026-11-21T13:05:00Z' }] })],
        recent: [],
      },
      maintenance: {
        active: [],
        upcoming: [{ id: 1, title: evil, description: evil, starts_at: '2026-11-22T01:00:00Z', ends_at: '2026-11-22T02:00:00Z', route_ids: [], status: 'scheduled' }],
      },
    });
    renderSummary(doc, data, ctx);
    assert.equal(doc.body.querySelectorAll('script, img').length, 0);
    assert.equal(doc.querySelector('#component-c1 .component-name').textContent, evil);
    assert.equal(doc.querySelector('#component-c1 .component-description').textContent, evil);
    assert.equal(doc.querySelector('#incident-1 .timeline-message').textContent, evil);
    assert.equal(doc.querySelector('#maintenance-1 .card-text').textContent, evil);
    assert.equal(doc.getElementById('overall-heading').textContent, evil);
  });
});

describe('refresh in place', () => {
  test('re-rendering keeps row and bar nodes, updates their content and drops removed routes', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ components: [component(1), component(2), component(3)] }), ctx);
    const row2 = doc.getElementById('component-c2');
    const bar = doc.getElementById('bar-c2-2026-11-21');
    bar.setAttribute('tabindex', '0');
    doc.querySelector('#component-c2 .bars > li:last-child').setAttribute('tabindex', '-1');
    doc.getElementById('bar-c2-2026-11-10').setAttribute('tabindex', '0');
    const newer = component(2, { name: 'Renamed', status: 'outage', history: history(30, () => ({ requests: 10, failures: 10 })) });
    renderSummary(doc, summary({ components: [newer, component(1)] }), ctx);
    assert.equal(doc.getElementById('component-c2'), row2);
    assert.equal(doc.getElementById('bar-c2-2026-11-21'), bar);
    assert.deepEqual(rows(doc).map((r) => r.id), ['component-c2', 'component-c1']);
    assert.equal(row2.querySelector('.component-name').textContent, 'Renamed');
    assert.equal(text(row2.querySelector('.component-state')), '× Outage');
    assert.equal(bar.className, 'bar tone-bad');
    // The reader's roving position survives the refresh.
    assert.equal(doc.getElementById('bar-c2-2026-11-10').getAttribute('tabindex'), '0');
    assert.equal(doc.getElementById('component-c3'), null);
  });

  test('a longer period adds bars, a shorter one removes the oldest', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ components: [component(1, { history: history(30) })] }), ctx);
    renderSummary(doc, summary({ components: [component(1, { history: history(90) })] }), ctx);
    const bars = doc.querySelectorAll('#component-c1 .bars > li');
    assert.equal(bars.length, 90);
    assert.equal(bars[0].id, 'bar-c1-2026-08-24');
    assert.equal(doc.querySelector('#component-c1 .bars').getAttribute('aria-label'), 'Daily history of Component 1, last 90 days');
  });
});

describe('error state', () => {
  const NOW = Date.parse('2026-11-21T15:03:20Z');

  test('before any data the page shows no section of data, only the loading banner', () => {
    const doc = pageDocument();
    for (const id of ['components', 'past-incidents', 'active-incidents', 'maintenance', 'notice']) {
      assert.equal(doc.getElementById(id).hidden, true, id);
    }
  });

  test('without earlier data: one heading, whole sentences, and no facts it did not load', () => {
    const doc = pageDocument();
    renderError(
      doc,
      'The status service answered 503: the status database is unavailable; try again shortly',
      { earlier: null, retrySeconds: 60, now: NOW },
      ctx,
    );
    const notice = doc.getElementById('notice');
    assert.equal(notice.hidden, false);
    assert.equal(notice.getAttribute('role'), 'status');
    assert.equal(
      text(notice),
      'The status service answered 503: the status database is unavailable; try again shortly. The page tries again every 60 seconds.',
    );
    assert.equal(doc.getElementById('overall-heading').textContent, 'Status unavailable');
    const visible = (node) => !node.closest('[hidden]');
    const said = text(doc.body.cloneNode(true));
    assert.equal(said.split('Status unavailable').length - 1, 1, 'one heading says it');
    assert.equal(visible(doc.getElementById('past-empty')), false, 'no "No incidents" from nothing');
    assert.equal(visible(doc.getElementById('components-empty')), false);
    assert.equal(visible(doc.getElementById('days')), false);
    assert.equal(doc.getElementById('updated').textContent, 'No status data has been loaded.');
    assert.equal(doc.body.getAttribute('data-state'), 'error');
  });

  test('with earlier data the data stays and the notice gives its age and time', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ status: { indicator: 'degraded', description: 'Degraded performance' } }), ctx);
    const loadedAt = NOW - 3 * 60_000 - 20_000;
    renderError(
      doc,
      'The status service answered 502.',
      { earlier: { generatedAt: '2026-11-21T15:00:00Z', loadedAt }, retrySeconds: 30, now: NOW },
      ctx,
    );
    assert.equal(
      text(doc.getElementById('notice')),
      'Live updates paused. The status service answered 502. Showing data from 3 minutes ago (21 Nov 2026, 16:00:00 CET). The page tries again every 30 seconds.',
    );
    assert.equal(rows(doc).length, 2);
    assert.equal(doc.getElementById('overall-heading').textContent, 'Degraded performance');
    assert.match(text(doc.getElementById('updated')), /^Last updated 21 Nov 2026, 16:00:00 CET/);
    assert.equal(doc.body.getAttribute('data-state'), 'stale');
    clearError(doc);
    assert.equal(doc.getElementById('notice').hidden, true);
  });
});

describe('groups, recording start and coverage', () => {
  test('components of a group are shown together in an open disclosure with the worst state', () => {
    const doc = pageDocument();
    const shop = [component(1, { group_id: 'shop', status: 'degraded' }), component(2, { group_id: 'shop' })];
    const data = summary({
      components: [shop[0], component(3), shop[1]],
      groups: [{ id: 'shop', name: 'Shop', component_ids: ['c1', 'c2'] }],
    });
    renderSummary(doc, data, ctx);
    const top = Array.from(doc.querySelectorAll('#component-list > li')).map((li) => li.id);
    assert.deepEqual(top, ['group-shop', 'component-c3']);
    const group = doc.getElementById('group-shop');
    assert.equal(group.querySelector('details').hasAttribute('open'), true);
    assert.equal(group.querySelector('summary .group-name').textContent, 'Shop');
    assert.equal(text(group.querySelector('.group-state')), '! Degraded');
    assert.deepEqual(Array.from(group.querySelectorAll('.components > li')).map((li) => li.id), ['component-c1', 'component-c2']);
  });

  test('bars start at the first recorded day, and say so', () => {
    const doc = pageDocument();
    const days = history(3);
    renderSummary(doc, summary({ recording_since: days[0].date, components: [component(1, { history: days })] }), ctx);
    assert.equal(doc.querySelectorAll('#component-c1 .bars > li').length, 3);
    assert.equal(doc.querySelector('#component-c1 .axis-start').textContent, 'Recording since Thu, 19 Nov 2026');
  });

  test('an uptime whose window was partly unreported says how much was reported', () => {
    const doc = pageDocument();
    renderSummary(doc, summary({ coverage: { '24h': 100, '7d': 43.29, '30d': 10, '90d': null } }), ctx);
    const row = doc.getElementById('component-c1');
    assert.equal(row.querySelector('[data-window="24h"]').textContent, '100%');
    assert.equal(row.querySelector('[data-window="7d"]').textContent, '99.95% of 43% of the time reported');
    assert.equal(row.querySelector('[data-window="90d"]').textContent, 'No data');
  });
});
