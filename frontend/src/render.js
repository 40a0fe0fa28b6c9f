// Rendering of the summary into the page skeleton of index.html. Everything is updated in place
// (keyed rows, bars and cards), so a refresh keeps focus, open details and the scroll position.

import { safeLink } from './api.js';
import { el, reconcile, setAttr, setText } from './dom.js';
import {
  TONES,
  UPTIME_WINDOWS,
  affectedNames,
  barClass,
  coverageText,
  dayState,
  dayUptimeText,
  daysZone,
  describeDay,
  describeZone,
  formatAge,
  formatDay,
  formatDuration,
  formatLatency,
  formatTimestamp,
  formatUptime,
  historyDays,
  impactState,
  incidentStatusLabel,
  instancesText,
  maintenanceStatusLabel,
  missingShare,
  missingText,
  overallState,
  pageEntries,
  retrySentence,
  routeState,
  sentence,
  uptimeFromCounts,
} from './model.js';
import { setTip } from './tooltip.js';

/** A coloured shape with a glyph, hidden from assistive technology (the label next to it speaks). */
function icon(doc, tone) {
  return el(doc, 'span', { class: `icon tone-${tone}`, 'aria-hidden': 'true', text: TONES[tone].glyph });
}

/** A state shown as shape + glyph + text. */
function stateBadge(doc, tone, label) {
  return el(doc, 'span', { class: `state tone-${tone}` }, [icon(doc, tone), el(doc, 'span', { text: label })]);
}

function timeEl(doc, iso, ctx) {
  return el(doc, 'time', { datetime: iso, text: formatTimestamp(iso, ctx) });
}

function byId(doc, id) {
  return doc.getElementById(id);
}

function show(node, visible) {
  if (node.hidden === visible) node.hidden = !visible;
}

// ---------------------------------------------------------------------------------------------
// Overall banner, header and footer

function renderOverall(doc, data) {
  const state = overallState(data.status.indicator);
  const banner = byId(doc, 'overall');
  setAttr(banner, 'class', `banner tone-${state.tone}`);
  // Changed in place, and only when different: the banner is a live region.
  const bannerIcon = banner.querySelector('.icon');
  setAttr(bannerIcon, 'class', `icon tone-${state.tone}`);
  setText(bannerIcon, TONES[state.tone].glyph);
  setText(byId(doc, 'overall-heading'), data.status.description || state.label);
}

function renderPageInfo(doc, data, ctx) {
  const title = data.page && data.page.title ? String(data.page.title) : 'Service';
  setText(byId(doc, 'page-title'), `${title} status`);
  // As the server's first paint has it: the page's name and the overall status.
  doc.title = data.status && data.status.description ? `${title} status: ${data.status.description}` : `${title} status`;
  for (const [id, href] of [
    ['feed-link', data.page && data.page.feed_url],
    ['badge-link', data.page && data.page.badge_url],
  ]) {
    const link = byId(doc, id);
    const url = safeLink(href, ctx.baseUrl);
    if (url) setAttr(link, 'href', url);
  }
  const updated = byId(doc, 'updated');
  updated.replaceChildren(
    'Last updated ',
    timeEl(doc, data.generated_at, { ...ctx, seconds: true }),
    `. Times are shown in your time zone, ${describeZone(ctx.timeZone, new Date(data.generated_at), ctx.locale)}.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Components

const LATENCIES = ['p50', 'p95', 'p99'];

function createComponent(doc, component) {
  const nameId = `component-${component.id}-name`;
  return el(doc, 'li', { class: 'component', id: `component-${component.id}`, 'aria-labelledby': nameId }, [
    el(doc, 'div', { class: 'component-head' }, [
      el(doc, 'div', { class: 'component-title' }, [el(doc, 'h3', { class: 'component-name', id: nameId })]),
      el(doc, 'p', { class: 'component-state' }),
    ]),
    el(doc, 'p', { class: 'component-description' }),
    el(doc, 'ol', { class: 'bars' }),
    el(doc, 'div', { class: 'axis', 'aria-hidden': 'true' }, [
      el(doc, 'span', { class: 'axis-start' }),
      el(doc, 'span', { class: 'axis-uptime' }),
      el(doc, 'span', { text: 'Today' }),
    ]),
    el(doc, 'dl', { class: 'stats' }, [
      ...UPTIME_WINDOWS.map((w) =>
        el(doc, 'div', { class: 'stat' }, [
          el(doc, 'dt', {}, [el(doc, 'span', { class: 'sr-only', text: 'Uptime ' }), w]),
          el(doc, 'dd', { 'data-window': w }),
        ]),
      ),
      ...LATENCIES.map((p) =>
        el(doc, 'div', { class: 'stat stat-latency' }, [
          el(doc, 'dt', {}, [el(doc, 'span', { class: 'sr-only', text: 'Latency ' }), p]),
          el(doc, 'dd', { 'data-latency': p }),
        ]),
      ),
      el(doc, 'div', { class: 'stat stat-badge' }, [
        el(doc, 'dt', { class: 'sr-only', text: 'Badge' }),
        el(doc, 'dd', {}, [el(doc, 'a', { class: 'badge-link' })]),
      ]),
    ]),
  ]);
}

function updateComponent(doc, row, component, data, zone, ctx) {
  const name = component.name;
  setText(row.querySelector('.component-name'), name);
  const description = row.querySelector('.component-description');
  setText(description, component.description || '');
  show(description, Boolean(component.description));

  const state = routeState(component.status);
  const stateEl = row.querySelector('.component-state');
  if (stateEl.getAttribute('data-status') !== component.status) {
    stateEl.replaceChildren(stateBadge(doc, state.tone, state.label));
    stateEl.setAttribute('data-status', component.status);
  }

  const history = historyDays(component.history, data.incidents && data.incidents.referenced);
  const bars = row.querySelector('.bars');
  setAttr(bars, 'aria-label', `Daily history of ${name}, last ${history.length} days`);
  reconcile(
    bars,
    history,
    (day) => day.date,
    () => el(doc, 'li', { tabindex: '-1' }),
    (bar, day) => updateBar(bar, day, day === history.at(-1), component, zone, ctx),
  );
  if (!bars.querySelector('[tabindex="0"]') && bars.lastElementChild) {
    bars.lastElementChild.setAttribute('tabindex', '0');
  }

  // Days before anything was recorded are not drawn: the bars start at the first recorded day.
  const recordedFirst = history.length > 0 && history[0].date === data.recording_since;
  setText(
    row.querySelector('.axis-start'),
    recordedFirst ? `Recording since ${formatDay(data.recording_since, ctx.locale)}` : `${history.length} days ago`,
  );
  setText(row.querySelector('.axis-uptime'), periodUptimeText(history));

  for (const w of UPTIME_WINDOWS) {
    const uptime = component.uptime ? component.uptime[w] : null;
    const partly = uptime == null ? '' : coverageText(data.coverage ? data.coverage[w] : null);
    setText(row.querySelector(`[data-window="${w}"]`), partly ? `${formatUptime(uptime)} ${partly}` : formatUptime(uptime));
  }
  for (const p of LATENCIES) {
    setText(row.querySelector(`[data-latency="${p}"]`), formatLatency(component.latency_ms ? component.latency_ms[p] : null));
  }
  const badge = row.querySelector('.badge-link');
  const badgeUrl = safeLink(component.badge_url, ctx.baseUrl);
  show(badge.closest('.stat'), Boolean(badgeUrl));
  if (badgeUrl) {
    setAttr(badge, 'href', badgeUrl);
    if (!badge.firstChild) badge.append('Badge', el(doc, 'span', { class: 'sr-only' }));
    setText(badge.lastChild, ` for ${name}`);
  }
}

function reconcileComponents(doc, list, components, data, zone, ctx) {
  reconcile(
    list,
    components,
    (component) => component.id,
    (component) => createComponent(doc, component),
    (row, component) => updateComponent(doc, row, component, data, zone, ctx),
  );
}

/** A group: its components in a disclosure, open unless the reader closed it. */
function createGroup(doc, entry) {
  return el(doc, 'li', { class: 'group', id: `group-${entry.group.id}` }, [
    el(doc, 'details', { open: '' }, [
      el(doc, 'summary', { class: 'group-head' }, [
        el(doc, 'h3', { class: 'group-name' }),
        el(doc, 'span', { class: 'group-state' }),
      ]),
      el(doc, 'ul', { class: 'components' }),
    ]),
  ]);
}

/** The worst state among a group's components, for its closed heading. */
const STATUS_ORDER = ['outage', 'degraded', 'maintenance', 'no_data', 'no_traffic', 'operational'];

function updateGroup(doc, item, entry, data, zone, ctx) {
  setText(item.querySelector('.group-name'), entry.group.name);
  const statuses = entry.components.map((c) => c.status);
  const worst = STATUS_ORDER.find((status) => statuses.includes(status)) || 'no_data';
  const stateEl = item.querySelector('.group-state');
  if (stateEl.getAttribute('data-status') !== worst) {
    const state = routeState(worst);
    stateEl.replaceChildren(stateBadge(doc, state.tone, state.label));
    stateEl.setAttribute('data-status', worst);
  }
  reconcileComponents(doc, item.querySelector('.components'), entry.components, data, zone, ctx);
}

/** Uptime over the shown period, summed from the daily counts, and the days it cannot speak
 * for: "99.82% uptime · 2 days without data". */
export function periodUptimeText(history) {
  let requests = 0;
  let failures = 0;
  let withoutData = 0;
  let partly = 0;
  for (const day of history) {
    requests += day.requests;
    failures += day.failures;
    if (day.state === 'no_data') withoutData += 1;
    else if (missingShare(day)) partly += 1;
  }
  const parts = [requests ? `${formatUptime(uptimeFromCounts(requests, failures))} uptime` : 'No requests in this period'];
  if (withoutData) parts.push(`${withoutData} ${withoutData === 1 ? 'day' : 'days'} without data`);
  if (partly) parts.push(`${partly} ${partly === 1 ? 'day' : 'days'} partly without data`);
  return parts.join(' · ');
}

function updateBar(bar, day, today, component, zone, ctx) {
  setAttr(bar, 'id', `bar-${component.id}-${day.date}`);
  setAttr(bar, 'class', barClass(day));
  const state = dayState(day);
  const said = [state.label];
  if (day.uptime != null) said.push(dayUptimeText(day));
  const missing = missingText(day, today);
  if (missing) said.push(missing.toLowerCase());
  setAttr(bar, 'aria-label', `${formatDay(day.date, ctx.locale)}: ${said.join(', ')}`);
  setTip(bar, () => describeDay(day, ctx.locale, zone, today));
}

/** The line over the bars: whose days they are, and how many instances report now. */
function renderHistoryNote(doc, data, ctx) {
  setText(byId(doc, 'days-zone'), `Days in ${daysZone(data)}`);
  const instances = instancesText(data, ctx.locale);
  const instancesEl = byId(doc, 'instances');
  setText(instancesEl, instances || '');
  show(instancesEl, Boolean(instances));
}

function renderComponents(doc, data, ctx) {
  const list = byId(doc, 'component-list');
  const zone = daysZone(data);
  const components = data.components || [];
  reconcile(
    list,
    pageEntries(data),
    (entry) => entry.key,
    (entry) => (entry.group ? createGroup(doc, entry) : createComponent(doc, entry.component)),
    (item, entry) =>
      entry.group ? updateGroup(doc, item, entry, data, zone, ctx) : updateComponent(doc, item, entry.component, data, zone, ctx),
  );
  renderHistoryNote(doc, data, ctx);
  show(byId(doc, 'components'), true);
  show(byId(doc, 'components-empty'), components.length === 0);
  show(list, components.length > 0);
  show(byId(doc, 'days'), components.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Incidents and maintenance

function timeline(doc, updates, ctx) {
  // Newest first, as readers look for the latest word.
  const items = [...(updates || [])].reverse().map((u) =>
    el(doc, 'li', { class: `timeline-item status-${u.status}` }, [
      el(doc, 'p', { class: 'timeline-head' }, [
        el(doc, 'strong', { text: incidentStatusLabel(u.status) }),
        ' · ',
        timeEl(doc, u.created_at, ctx),
      ]),
      el(doc, 'p', { class: 'timeline-message', text: u.message || '' }),
    ]),
  );
  return el(doc, 'ol', { class: 'timeline', 'aria-label': 'Updates, newest first' }, items);
}

function incidentMeta(doc, incident, components, ctx) {
  const parts = [`Affects ${affectedNames(incident, components)}`, ' · Started ', timeEl(doc, incident.started_at, ctx)];
  if (incident.resolved_at) {
    const lasted = new Date(incident.resolved_at) - new Date(incident.started_at);
    parts.push(' · Resolved ', timeEl(doc, incident.resolved_at, ctx), ` after ${formatDuration(lasted)}`);
  }
  if (incident.automatic) parts.push(' · Detected automatically');
  return el(doc, 'p', { class: 'meta' }, parts);
}

function incidentHead(doc, incident, tag) {
  const impact = impactState(incident.impact);
  return el(doc, 'div', { class: 'card-head' }, [
    el(doc, tag, { class: 'card-title', text: incident.title }),
    el(doc, 'span', { class: 'pills' }, [
      stateBadge(doc, impact.tone, impact.label),
      el(doc, 'span', { class: 'pill', text: incidentStatusLabel(incident.status) }),
    ]),
  ]);
}

function renderActiveIncidents(doc, data, ctx) {
  const active = data.incidents ? data.incidents.active : [];
  reconcile(
    byId(doc, 'active-list'),
    active,
    (i) => i.id,
    (i) => el(doc, 'li', { id: `incident-${i.id}` }),
    (card, i) => {
      setAttr(card, 'class', `card incident tone-${impactState(i.impact).tone}`);
      card.replaceChildren(incidentHead(doc, i, 'h3'), incidentMeta(doc, i, data.components || [], ctx), timeline(doc, i.updates, ctx));
    },
  );
  show(byId(doc, 'active-incidents'), active.length > 0);
}

function renderPastIncidents(doc, data, ctx) {
  const recent = data.incidents ? data.incidents.recent : [];
  reconcile(
    byId(doc, 'past-list'),
    recent,
    (i) => i.id,
    (i) =>
      el(doc, 'li', { class: 'card past' }, [
        el(doc, 'details', {}, [el(doc, 'summary', { id: `past-incident-${i.id}` }), el(doc, 'div', { class: 'details-body' })]),
      ]),
    (card, i) => {
      card.querySelector('summary').replaceChildren(incidentHead(doc, i, 'h3'));
      card.querySelector('.details-body').replaceChildren(incidentMeta(doc, i, data.components || [], ctx), timeline(doc, i.updates, ctx));
    },
  );
  show(byId(doc, 'past-empty'), recent.length === 0);
  show(byId(doc, 'past-incidents'), true);
}

function renderMaintenance(doc, data, ctx) {
  const windows = data.maintenance ? [...data.maintenance.active, ...data.maintenance.upcoming] : [];
  reconcile(
    byId(doc, 'maintenance-list'),
    windows,
    (m) => m.id,
    (m) => el(doc, 'li', { id: `maintenance-${m.id}`, class: 'card maintenance tone-maint' }),
    (card, m) => {
      const tone = m.status === 'in_progress' ? 'maint' : 'none';
      card.replaceChildren(
        el(doc, 'div', { class: 'card-head' }, [
          el(doc, 'h3', { class: 'card-title', text: m.title }),
          el(doc, 'span', { class: 'pills' }, [stateBadge(doc, tone, maintenanceStatusLabel(m.status))]),
        ]),
        el(doc, 'p', { class: 'meta' }, [
          timeEl(doc, m.starts_at, ctx),
          ' – ',
          timeEl(doc, m.ends_at, ctx),
          ` · Affects ${affectedNames(m, data.components || [])}`,
        ]),
        m.description ? el(doc, 'p', { class: 'card-text', text: m.description }) : null,
      );
    },
  );
  show(byId(doc, 'maintenance'), windows.length > 0);
}

// ---------------------------------------------------------------------------------------------

/**
 * Render a summary response into the page. `ctx`: {timeZone, locale, baseUrl}. Safe to call again
 * with newer data: existing nodes are updated in place.
 */
export function renderSummary(doc, data, ctx) {
  renderPageInfo(doc, data, ctx);
  renderOverall(doc, data);
  renderMaintenance(doc, data, ctx);
  renderActiveIncidents(doc, data, ctx);
  renderComponents(doc, data, ctx);
  renderPastIncidents(doc, data, ctx);
  doc.body.setAttribute('data-state', 'ready');
}

/**
 * Show that the API could not be read, in whole sentences. `earlier`: {generatedAt, loadedAt} of
 * the data still on the page, or null; `now`: the reader's clock in ms.
 *
 * With earlier data the data stays and the notice says how old it is, measured on the reader's
 * clock from when it arrived, so a server clock that is off cannot make it look newer. Without,
 * the banner is the one heading that says the status is unavailable, and the sections that hold
 * data stay hidden, so the page states nothing it did not load.
 */
export function renderError(doc, message, { earlier, retrySeconds, now }, ctx) {
  const notice = byId(doc, 'notice');
  const said = sentence(message);
  const retry = retrySentence(retrySeconds);
  if (earlier) {
    notice.replaceChildren(
      el(doc, 'strong', { text: 'Live updates paused.' }),
      ` ${said} Showing data from ${formatAge(now - earlier.loadedAt)} (`,
      timeEl(doc, earlier.generatedAt, { ...ctx, seconds: true }),
      `).${retry ? ` ${retry}` : ''}`,
    );
  } else {
    notice.replaceChildren(retry ? `${said} ${retry}` : said);
    const banner = byId(doc, 'overall');
    setAttr(banner, 'class', 'banner tone-none');
    setText(byId(doc, 'overall-heading'), 'Status unavailable');
    setText(byId(doc, 'updated'), 'No status data has been loaded.');
  }
  show(notice, true);
  doc.body.setAttribute('data-state', earlier ? 'stale' : 'error');
}

export function clearError(doc) {
  show(byId(doc, 'notice'), false);
}
