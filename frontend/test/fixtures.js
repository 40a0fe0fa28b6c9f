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

export function route(id, overrides = {}) {
  return {
    id,
    rule: `/r/${id}`,
    name: `Route ${id}`,
    doc: `Does thing ${id}`,
    status: 'operational',
    uptime: { '24h': 100, '7d': 99.95, '30d': 99.9, '90d': null },
    latency_ms: { p50: 12.5, p95: 48 },
    requests_24h: 1234,
    badge_url: `badges/${id}/uptime.svg`,
    history: history(30),
    ...overrides,
  };
}

export function incident(id, overrides = {}) {
  return {
    id,
    title: `Incident ${id}`,
    status: 'identified',
    impact: 'major',
    automatic: false,
    route_ids: [1],
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
  return {
    page: { title: 'Acme', refresh_seconds: 60, feed_url: 'feed.atom', badge_url: 'badge.svg' },
    generated_at: '2026-11-21T15:00:00Z',
    timezone: 'UTC',
    instances: { reporting: 2 },
    status: { indicator: 'operational', description: 'All systems operational' },
    routes: [route(1), route(2)],
    incidents: { active: [], recent: [] },
    maintenance: { active: [], upcoming: [] },
    ...overrides,
  };
}
