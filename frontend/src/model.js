// Status model and formatting: pure functions, no DOM, so node --test can cover them.

/** Tones shared by component states, the overall indicator and daily bars. Each has a shape and a glyph,
 * so no state is told by colour alone. */
export const TONES = {
  ok: { glyph: '✓' },
  warn: { glyph: '!' },
  bad: { glyph: '×' },
  maint: { glyph: '‖' },
  idle: { glyph: '·' },
  none: { glyph: '–' },
};

const ROUTE_STATES = {
  operational: { tone: 'ok', label: 'Operational' },
  degraded: { tone: 'warn', label: 'Degraded' },
  outage: { tone: 'bad', label: 'Outage' },
  maintenance: { tone: 'maint', label: 'Maintenance' },
  // No requests in 24 h while instances reported, versus nobody reporting at all.
  no_traffic: { tone: 'idle', label: 'No traffic' },
  no_data: { tone: 'none', label: 'No data' },
};

const OVERALL_STATES = {
  operational: { tone: 'ok', label: 'All systems operational' },
  degraded: { tone: 'warn', label: 'Degraded performance' },
  partial_outage: { tone: 'bad', label: 'Partial outage' },
  major_outage: { tone: 'bad', label: 'Major outage' },
  maintenance: { tone: 'maint', label: 'Under maintenance' },
  no_data: { tone: 'none', label: 'No traffic recorded yet' },
};

const UNKNOWN = { tone: 'none', label: 'Unknown' };

/** Tone and label of a component's (or route's) `status` field. */
export function routeState(status) {
  return ROUTE_STATES[status] ?? UNKNOWN;
}

/** Tone and label of the overall `status.indicator`. */
export function overallState(indicator) {
  return OVERALL_STATES[indicator] ?? UNKNOWN;
}

/** A day's state as the server judges it (`history[].state`). "No traffic": instances were
 * reporting and nobody asked; "no data": no instance reported. Neither is 100%, and they look
 * different from each other: idle bars are short and solid, no-data bars hollow and dashed. */
const DAY_STATES = {
  operational: { tone: 'ok', label: 'Operational' },
  degraded: { tone: 'warn', label: 'Degraded' },
  partial_outage: { tone: 'bad', label: 'Partial outage' },
  major_outage: { tone: 'bad', label: 'Major outage' },
  maintenance: { tone: 'maint', label: 'Maintenance' },
  no_traffic: { tone: 'idle', label: 'No traffic', note: 'Instances were reporting; no requests came in.' },
  no_data: { tone: 'none', label: 'No data', note: 'No instance of the service reported.' },
};

/** Thresholds of days without a `state` field (servers before states existed), in failures per
 * 1000 requests, compared in integers so that exactly 99.9% is fine without float noise: up to 1
 * (uptime >= 99.9%) a day with failures is fine, above 50 (uptime < 95%) it is an outage. */
const FINE_MAX_PER_MILLE = 1;
const OUTAGE_OVER_PER_MILLE = 50;

function stateFromCounts({ requests, failures }) {
  if (!requests) return { tone: 'none', label: 'No requests' };
  if (!failures) return { tone: 'ok', label: 'No failures' };
  if (failures * 1000 <= requests * FINE_MAX_PER_MILLE) return { tone: 'ok', label: 'A few failures' };
  if (failures * 1000 <= requests * OUTAGE_OVER_PER_MILLE) return { tone: 'warn', label: 'Elevated failures' };
  return { tone: 'bad', label: 'Major failures' };
}

/** Tone, label (and for days without traffic or data a note) of one history day: the server's
 * `state` when it sends one, else judged from the counts. Client errors are not failures. */
export function dayState(day) {
  return DAY_STATES[day.state] ?? stateFromCounts(day);
}

export function uptimeFromCounts(requests, failures) {
  return requests ? ((requests - failures) / requests) * 100 : null;
}

/** The share of a day (percent) no instance reported, when that is only part of it: 0 for a
 * fully covered day, a day with no data at all (its state says so) and older data without
 * coverage (0 on a day with requests). */
export function missingShare(day) {
  return day.coverage > 0 && day.coverage < 100 ? 100 - day.coverage : 0;
}

/** CSS classes of a bar: the tone drives colour and the pattern that repeats it as a shape; a
 * partly covered day's bar is hollow and dashed at the top, as no-data bars are in full. */
export function barClass(day) {
  return `bar tone-${dayState(day).tone}${missingShare(day) ? ' partial' : ''}`;
}

/** "100% uptime", or for a partly covered day "100% uptime while reporting": the figure speaks
 * only for the hours something answered. */
export function dayUptimeText(day) {
  if (day.uptime == null) return 'No uptime without requests';
  return `${formatUptime(day.uptime)} uptime${missingShare(day) ? ' while reporting' : ''}`;
}

/** "No data for 4.17% of the day" for a partly covered day ("of the day so far" for `today`,
 * whose coverage counts the minutes gone by), else null. */
export function missingText(day, today = false) {
  const missing = missingShare(day);
  return missing ? `No data for ${formatUptime(missing)} of the day${today ? ' so far' : ''}` : null;
}

/**
 * Uptime percentage with two decimals, truncated and never rounded up: any failure keeps the value
 * below 100%, so 99.996 shows "99.99%", never "100%".
 */
export function formatUptime(percent) {
  if (percent == null || !Number.isFinite(percent)) return 'No data';
  if (percent >= 100) return '100%';
  if (percent <= 0) return '0.00%';
  // Round away binary noise at the sixth decimal first, so 99.95 (stored as 99.9499...) stays 99.95.
  const hundredths = Math.min(Math.floor(Math.round(percent * 1e6) / 1e4), 9999);
  return `${(hundredths / 100).toFixed(2)}%`;
}

/** A latency in milliseconds for reading: "<1 ms", "48 ms", "1.25 s"; "–" without data. */
export function formatLatency(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

// Building an Intl formatter costs far more than using one, and a page formats thousands of
// values (one label per daily bar), so formatters are kept per locale and options.
const formatters = new Map();

function cached(Kind, locale, options) {
  const key = `${Kind.name}|${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Kind(locale, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

function formatCount(n, locale) {
  return cached(Intl.NumberFormat, locale, {}).format(n);
}

function plural(n, one, many, locale) {
  return `${formatCount(n, locale)} ${n === 1 ? one : many}`;
}

/** The reader's IANA time zone, e.g. "Europe/Berlin". */
export function readerTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** An ISO timestamp in the given zone with the zone's short name: "21 Nov 2026, 16:00 CET". */
export function formatTimestamp(iso, { timeZone, locale, seconds = false } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  return cached(Intl.DateTimeFormat, locale, {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: seconds ? '2-digit' : undefined,
    timeZoneName: 'short',
  }).format(date);
}

/** The zone as shown in the footer: "Europe/Berlin (CET)". */
export function describeZone(timeZone, at = new Date(), locale) {
  const part = cached(Intl.DateTimeFormat, locale, { timeZone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  const short = part ? part.value : '';
  return short && short !== timeZone ? `${timeZone} (${short})` : timeZone;
}

const DATE_STRING = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A history date ("2026-08-24", a day of the status page's zone) for reading: "Mon, 24 Aug 2026".
 * The calendar date of the string itself is formatted; it is never converted through the
 * reader's zone, which would move it to the day before or after. Anything else is shown as sent.
 */
export function formatDay(date, locale) {
  const parts = DATE_STRING.exec(date);
  if (!parts) return String(date);
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as they are.
  const day = new Date(0);
  day.setUTCFullYear(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]));
  return cached(Intl.DateTimeFormat, locale, {
    timeZone: 'UTC',
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  }).format(day);
}

/** The zone of the page's days: the summary's `timezone`, UTC when the server does not say. */
export function daysZone(data) {
  return typeof data.timezone === 'string' && data.timezone ? data.timezone : 'UTC';
}

/** How many instances report now, or null when the server does not say. */
export function instancesText(data, locale) {
  const reporting = data.instances ? data.instances.reporting : undefined;
  if (!Number.isInteger(reporting)) return null;
  if (reporting === 0) return 'No instance reporting now';
  return `${plural(reporting, 'instance', 'instances', locale)} reporting now`;
}

/** A span of time for reading: "45 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms) {
  const minutes = Math.max(0, Math.round(ms / 60000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** How long ago something happened, for reading: "less than a minute ago", "3 minutes ago". */
export function formatAge(ms) {
  const minutes = Math.floor(Math.max(0, ms) / 60000);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** `text` as a sentence: trimmed, with a capital first letter and a closing full stop. */
export function sentence(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "The page tries again every 60 seconds." */
export function retrySentence(seconds) {
  if (!seconds) return '';
  return `The page tries again ${seconds === 1 ? 'every second' : `every ${seconds} seconds`}.`;
}

const INCIDENT_STATUS = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

const IMPACT = {
  none: { tone: 'none', label: 'No impact' },
  minor: { tone: 'warn', label: 'Minor impact' },
  major: { tone: 'bad', label: 'Major impact' },
  critical: { tone: 'bad', label: 'Critical impact' },
};

const MAINTENANCE_STATUS = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
};

export function incidentStatusLabel(status) {
  return INCIDENT_STATUS[status] ?? status;
}

export function impactState(impact) {
  return IMPACT[impact] ?? { tone: 'none', label: impact };
}

export function maintenanceStatusLabel(status) {
  return MAINTENANCE_STATUS[status] ?? status;
}

/** Names of the components an incident or maintenance touches (`component_ids`); one naming no
 * route concerns the whole service. */
export function affectedNames(item, components) {
  if (!item.route_ids || item.route_ids.length === 0) return 'All components';
  const byId = new Map(components.map((c) => [c.id, c.name]));
  const names = (item.component_ids || []).map((id) => byId.get(id)).filter(Boolean);
  return names.length ? names.join(', ') : 'Parts of the service not listed here';
}

const DAY_MS = 86400000;

/**
 * A component's columnar history (the summary's `history`: `start`, one array per field, and
 * `[day index, incident id]` pairs) as one object per day, oldest first, with the fields a day
 * has everywhere else: date, requests, failures, client_errors, uptime, coverage, latency_p50_ms,
 * latency_p95_ms, latency_p99_ms, state and incidents (`referenced` names them).
 */
export function historyDays(history, referenced = {}) {
  if (!history || !history.start) return [];
  const [year, month, day] = history.start.split('-').map(Number);
  const first = Date.UTC(year, month - 1, day);
  const incidents = new Map();
  for (const [index, id] of history.incidents || []) {
    const listed = incidents.get(index) || [];
    listed.push({ id, ...(referenced[String(id)] || { title: `Incident ${id}`, impact: 'none' }) });
    incidents.set(index, listed);
  }
  return history.requests.map((requests, i) => ({
    date: new Date(first + i * DAY_MS).toISOString().slice(0, 10),
    requests,
    failures: history.failures[i],
    client_errors: history.client_errors[i],
    uptime: history.uptime[i],
    coverage: history.coverage[i],
    latency_p50_ms: history.p50[i],
    latency_p95_ms: history.p95[i],
    latency_p99_ms: history.p99[i],
    state: history.state[i],
    incidents: incidents.get(i) || [],
  }));
}

/** The summary's components in page order: ungrouped ones alone, grouped ones under their group
 * (where its first component stands): `[{component}]` or `[{group, components}]`. */
export function pageEntries(data) {
  const groups = new Map((data.groups || []).map((g) => [g.id, g]));
  const byId = new Map((data.components || []).map((c) => [c.id, c]));
  const entries = [];
  const placed = new Set();
  for (const component of data.components || []) {
    const group = component.group_id == null ? null : groups.get(component.group_id);
    if (!group) {
      entries.push({ key: `c:${component.id}`, component });
    } else if (!placed.has(group.id)) {
      placed.add(group.id);
      const members = group.component_ids.map((id) => byId.get(id)).filter(Boolean);
      entries.push({ key: `g:${group.id}`, group, components: members });
    }
  }
  return entries;
}

/** "Uptime of 43% of the time": said beside an uptime whose window was not fully reported. */
export function coverageText(coverage) {
  if (coverage == null || coverage >= 100) return '';
  return `of ${formatCoverage(coverage)} of the time reported`;
}

function formatCoverage(value) {
  return `${Math.floor(value)}%`;
}

/** Incidents listed in a tooltip before "and N more". */
const TIP_INCIDENTS = 3;

function dayIncidentLines(incidents) {
  // Without the field the server said nothing about incidents: no "No incidents" from nothing.
  if (!Array.isArray(incidents)) return [];
  if (incidents.length === 0) return ['No incidents'];
  const lines = incidents.slice(0, TIP_INCIDENTS).map((i) => `${impactState(i.impact).label}: ${i.title}`);
  if (incidents.length > TIP_INCIDENTS) lines.push(`and ${incidents.length - TIP_INCIDENTS} more incidents`);
  return lines;
}

/** The lines of a bar's tooltip: the day (of `zone`), its state, counts, uptime, p95, incidents.
 * `today` marks the current day, which is not over. */
export function describeDay(day, locale, zone, today = false) {
  const state = dayState(day);
  const lines = [`${formatDay(day.date, locale)} (${zone})`, state.label];
  if (state.note) lines.push(state.note);
  // A day no instance reported has no counts to give, not counts of zero; a day without a state
  // and without requests is told by its label alone.
  if (day.requests || day.state === 'no_traffic') {
    lines.push(dayUptimeText(day));
    let counts = `${plural(day.requests, 'request', 'requests', locale)}, ${formatCount(day.failures, locale)} failed`;
    if (day.client_errors) counts += `, ${formatCount(day.client_errors, locale)} client errors`;
    lines.push(counts);
    const latencies = ['p50', 'p95', 'p99']
      .filter((p) => day[`latency_${p}_ms`] != null)
      .map((p) => `${p} ${formatLatency(day[`latency_${p}_ms`])}`);
    if (latencies.length) lines.push(`Latency ${latencies.join(', ')}`);
    // Part of the day nothing was running (the app was down): no request could be counted then.
    const missing = missingText(day, today);
    if (missing) lines.push(`${missing}: no instance reported`);
  }
  return [...lines, ...dayIncidentLines(day.incidents)];
}

/** Periods offered by the history control; the API accepts 1..90. */
export const DAY_CHOICES = [30, 60, 90];
const DEFAULT_DAYS = 90;

/** The days value from a query string, falling back to the default for anything not offered. */
export function parseDays(search) {
  const value = Number(new URLSearchParams(search).get('days'));
  return DAY_CHOICES.includes(value) ? value : DEFAULT_DAYS;
}

export const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d'];
