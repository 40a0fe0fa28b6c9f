import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderSummary } from '../src/render.js';
import { stateIconUrl, colorScheme } from '../src/theme.js';
import { closeTip, moveFocus, openTip, refreshTip } from '../src/tooltip.js';
import { ctx, history, pageDocument, component, summary } from './fixtures.js';

function page() {
  const doc = pageDocument();
  const days = history(30, (i) => ({ requests: 1000, failures: i === 29 ? 20 : 0 }));
  renderSummary(doc, summary({ components: [component(1, { history: days })] }), ctx);
  return doc;
}

describe('bar tooltips', () => {
  test('opening fills the role=tooltip element and links it with aria-describedby', () => {
    const doc = page();
    const bar = doc.getElementById('bar-c1-2026-11-21');
    const tooltip = doc.getElementById('bar-tooltip');
    assert.equal(tooltip.getAttribute('role'), 'tooltip');
    assert.equal(tooltip.hidden, true);
    openTip(doc, bar);
    assert.equal(tooltip.hidden, false);
    assert.equal(bar.getAttribute('aria-describedby'), 'bar-tooltip');
    assert.equal(tooltip.querySelector('strong').textContent, 'Sat, 21 Nov 2026 (UTC)');
    assert.deepEqual(Array.from(tooltip.querySelectorAll('span')).map((s) => s.textContent), [
      'Elevated failures',
      '98.00% uptime',
      '1,000 requests, 20 failed',
      'Latency p95 40 ms',
      'No incidents',
    ]);
    const other = doc.getElementById('bar-c1-2026-11-20');
    openTip(doc, other);
    assert.equal(bar.getAttribute('aria-describedby'), null);
    assert.equal(other.getAttribute('aria-describedby'), 'bar-tooltip');
    closeTip(doc);
    assert.equal(tooltip.hidden, true);
    assert.equal(other.getAttribute('aria-describedby'), null);
  });

  test('after a refresh the open tooltip shows new numbers, or closes when its bar is gone', () => {
    const doc = page();
    const tooltip = doc.getElementById('bar-tooltip');
    openTip(doc, doc.getElementById('bar-c1-2026-11-21'));
    renderSummary(doc, summary({ components: [component(1, { history: history(30, () => ({ requests: 5, failures: 0 })) })] }), ctx);
    refreshTip(doc);
    assert.equal(tooltip.hidden, false);
    assert.match(tooltip.textContent, /5 requests, 0 failed/);
    renderSummary(doc, summary({ components: [component(2)] }), ctx);
    refreshTip(doc);
    assert.equal(tooltip.hidden, true);
    // A closed tooltip stays closed.
    refreshTip(doc);
    assert.equal(tooltip.hidden, true);
  });

  test('arrow keys, Home and End move the single tab stop', () => {
    const doc = page();
    const bars = Array.from(doc.querySelectorAll('#component-c1 .bars > li'));
    const stop = () => bars.findIndex((b) => b.getAttribute('tabindex') === '0');
    assert.equal(stop(), 29);
    assert.equal(moveFocus(bars[29], 'ArrowLeft'), true);
    assert.equal(stop(), 28);
    moveFocus(bars[28], 'Home');
    assert.equal(stop(), 0);
    moveFocus(bars[0], 'ArrowLeft');
    assert.equal(stop(), 0);
    moveFocus(bars[0], 'End');
    assert.equal(stop(), 29);
    assert.equal(moveFocus(bars[29], 'a'), false);
    assert.equal(bars.filter((b) => b.getAttribute('tabindex') === '0').length, 1);
  });
});

describe('theme', () => {
  test('follows the preferred colour scheme', () => {
    const win = (dark) => ({ matchMedia: (q) => ({ matches: dark && q === '(prefers-color-scheme: dark)' }) });
    assert.equal(colorScheme(win(true)), 'dark');
    assert.equal(colorScheme(win(false)), 'light');
    assert.equal(colorScheme({}), 'light');
  });

  test('the tab icon has a distinct shape per state', () => {
    const urls = ['ok', 'warn', 'bad', 'maint', 'none'].map((tone) => stateIconUrl(tone, '#123456'));
    assert.equal(new Set(urls).size, 5);
    for (const url of urls) {
      assert.match(url, /^data:image\/svg\+xml,/);
      assert.match(decodeURIComponent(url), /#123456/);
    }
  });
});
