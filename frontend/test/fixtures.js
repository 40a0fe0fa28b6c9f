// Summary responses shaped like the public API (see flask_server_status/openapi.json).

import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';

const INDEX_HTML = readFileSync(new URL('../src/index.html', import.meta.url), 'utf8');

/** A fresh document built from the real page skeleton. */
export function pageDocument() {
  return parseHTML(INDEX_HTML).document;
}

export const ctx = { timeZone: 'Europe/Berlin', locale: 'en-GB', baseUrl: 'https://example.test/app/status/' };

/**
 * `days` history entries ending 2026-11-21; `pattern(i)` gives {requests, failures} per day and
 * optionally the fields servers with day states send (`state`, `incidents`), or overrides.
 */
export function history(days, pattern = () => ({ requests: 100, failures: 0 })) {
  const end = Date.UTC(2026, 10, 21);
  return Array.from({ length: days }, (_, i) => {
    const { requests, failures, ...more } = pattern(i);
    const date = new Date(end - (days - 1 - i) * 86400000).toISOString().slice(0, 10);
    return {
      date,
      requests,
      failures,
      client_errors: 0,
      uptime: requests ? ((requests - failures) / requests) * 100 : null,
      latency_p95_ms: requests ? 40 : null,
      ...more,
    };
  });
}

/** Titles and impacts of the incidents named by the day entries a component was made from. */
const referencedBy = new WeakMap();

/** Day entries (as `history()` makes them) in the summary's columns. */
export function columns(days) {
  const field = (name, fallback) => days.map((d) => (d[name] === undefined ? fallback : d[name]));
  return {
    start: days.length ? days[0].date : null,
    requests: field('requests', 0),
    failures: field('failures', 0),
    client_errors: field('client_errors', 0),
    uptime: field('uptime', null),
    coverage: field('coverage', undefined),
    p50: field('latency_p50_ms', null),
    p95: field('latency_p95_ms', null),
    p99: field('latency_p99_ms', null),
    state: field('state', undefined),
    incidents: days.flatMap((d, i) => (d.incidents || []).map((incident) => [i, incident.id])),
  };
}

/** A component `c<id>`; `overrides.history` may be day entries, turned into columns. */
export function component(id, overrides = {}) {
  const days = overrides.history || history(30);
  const made = {
    id: `c${id}`,
    name: `Component ${id}`,
    description: `Does thing ${id}`,
    group_id: null,
    status: 'operational',
    uptime: { '24h': 100, '7d': 99.95, '30d': 99.9, '90d': null },
    latency_ms: { p50: 12.5, p95: 48, p99: 90 },
    requests_24h: 1234,
    badge_url: `badges/components/c${id}/uptime.svg`,
    ...overrides,
    history: columns(days),
  };
  const referenced = {};
  for (const day of days) for (const i of day.incidents || []) referenced[String(i.id)] = { title: i.title, impact: i.impact };
  referencedBy.set(made, referenced);
  return made;
}

export function incident(id, overrides = {}) {
  return {
    id,
    title: `Incident ${id}`,
    status: 'identified',
    impact: 'major',
    automatic: false,
    route_ids: [1],
    component_ids: ['c1'],
    started_at: '2026-11-21T13:00:00Z',
    resolved_at: null,
    updates: [
      { id: id * 10 + 1, status: 'investigating', message: 'Looking into errors', created_at: '2026-11-21T13:05:00Z' },
      { id: id * 10 + 2, status: 'identified', message: 'Database failover', created_at: '2026-11-21T13:40:00Z' },
    ],
    ...overrides,
  };
}

export function summary(overrides = {}) {
  const components = overrides.components || [component(1), component(2)];
  const referenced = Object.assign({}, ...components.map((c) => referencedBy.get(c) || {}));
  const incidents = { active: [], recent: [], ...(overrides.incidents || {}) };
  return {
    page: { title: 'Acme', refresh_seconds: 60, feed_url: 'feed.atom', badge_url: 'badge.svg', show_rules: false },
    generated_at: '2026-11-21T15:00:00Z',
    timezone: 'UTC',
    recording_since: '2026-06-01',
    instances: { reporting: 2 },
    status: { indicator: 'operational', description: 'All systems operational' },
    coverage: { '24h': 100, '7d': 100, '30d': 100, '90d': 100 },
    groups: [],
    components_truncated: 0,
    maintenance: { active: [], upcoming: [] },
    ...overrides,
    components,
    incidents: { referenced, ...incidents },
  };
}
