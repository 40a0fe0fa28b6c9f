// Entry point: read the summary, render it, refresh it periodically, keep the reader's place.

import { fetchSummary } from './api.js';
import { DAY_CHOICES, parseDays, overallState, readerTimeZone } from './model.js';
import { startRefresh } from './refresh.js';
import { clearError, renderError, renderSummary } from './render.js';
import { followTheme } from './theme.js';
import { installTooltips, refreshTip } from './tooltip.js';

const doc = document;
const ctx = { timeZone: readerTimeZone(), locale: undefined, baseUrl: doc.baseURI };
let days = parseDays(window.location.search);
let lastData = null;
// When lastData arrived, on the reader's clock: the error notice tells its age from this.
let loadedAt = 0;
let refreshSeconds = 60;

const redrawTheme = followTheme(doc, window, () =>
  lastData ? overallState(lastData.status.indicator).tone : 'none',
);

/** Render, then give focus back to the element that had it if rendering replaced it. */
function renderKeepingFocus(draw) {
  const active = doc.activeElement;
  const activeId = active && active !== doc.body ? active.id : '';
  draw();
  if (activeId && doc.activeElement !== active) {
    const again = doc.getElementById(activeId);
    if (again) again.focus({ preventScroll: true });
  }
  refreshTip(doc);
}

async function load() {
  // A background tab does not poll; it catches up when shown again (see visibilitychange below).
  if (doc.hidden && lastData) return refreshSeconds;
  const requested = days;
  try {
    const data = await fetchSummary(ctx.baseUrl, requested);
    if (requested !== days) return refreshSeconds; // the reader changed the period meanwhile
    lastData = data;
    loadedAt = Date.now();
    refreshSeconds = Number(data.page && data.page.refresh_seconds) || refreshSeconds;
    renderKeepingFocus(() => {
      renderSummary(doc, data, ctx);
      clearError(doc);
    });
    // For real-user monitoring and benchmarks/page_load.py: when the page showed its data.
    performance.mark('status-rendered');
    redrawTheme();
  } catch (error) {
    renderError(
      doc,
      error && error.message ? error.message : 'The status service could not be reached.',
      {
        earlier: lastData ? { generatedAt: lastData.generated_at, loadedAt } : null,
        retrySeconds: refreshSeconds,
        now: Date.now(),
      },
      ctx,
    );
    redrawTheme();
  }
  return refreshSeconds;
}

function installDaysControl(refresher) {
  for (const choice of DAY_CHOICES) {
    const input = doc.getElementById(`days-${choice}`);
    if (!input) continue;
    input.checked = choice === days;
    input.addEventListener('change', () => {
      if (!input.checked) return;
      days = choice;
      const url = new URL(window.location.href);
      url.searchParams.set('days', String(choice));
      window.history.replaceState(null, '', url);
      refresher.now();
    });
  }
}

installTooltips(doc);
const refresher = startRefresh(load, { initialSeconds: refreshSeconds });
installDaysControl(refresher);
refresher.now();
// A tab woken from the background shows fresh data at once instead of waiting for the timer.
doc.addEventListener('visibilitychange', () => {
  if (doc.visibilityState === 'visible' && lastData) {
    const age = Date.now() - Date.parse(lastData.generated_at);
    if (age > refreshSeconds * 1000) refresher.now();
  }
});
