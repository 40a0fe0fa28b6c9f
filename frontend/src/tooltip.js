// Tooltips of the daily bars: one shared role=tooltip element, opened on keyboard focus and on
// hover, linked to its bar with aria-describedby. Bars use a roving tabindex: one Tab stop per row,
// arrow keys, Home and End move between days.

const tips = new WeakMap();

/** Attach the tooltip of `target`: a function returning its lines, called when it opens (a page
 * has thousands of bars and readers open few tooltips). */
export function setTip(target, describe) {
  tips.set(target, describe);
}

/** The lines of `target`'s tooltip, or undefined. */
export function tipOf(target) {
  const describe = tips.get(target);
  return describe ? describe() : undefined;
}

const TOOLTIP_ID = 'bar-tooltip';

function tipTarget(node) {
  return node && node.closest ? node.closest('.bars > li') : null;
}

/** Fill and show the tooltip for `target`. */
export function openTip(doc, target) {
  const tooltip = doc.getElementById(TOOLTIP_ID);
  const lines = tipOf(target);
  if (!tooltip || !lines) return;
  const [first, ...rest] = lines;
  const strong = doc.createElement('strong');
  strong.textContent = first;
  tooltip.replaceChildren(strong, ...rest.map((line) => {
    const span = doc.createElement('span');
    span.textContent = line;
    return span;
  }));
  tooltip.hidden = false;
  const previous = doc.querySelector(`[aria-describedby="${TOOLTIP_ID}"]`);
  if (previous && previous !== target) previous.removeAttribute('aria-describedby');
  target.setAttribute('aria-describedby', TOOLTIP_ID);
  place(doc, tooltip, target);
}

/** After a re-render: show the open tooltip's refreshed lines, or close it if its bar is gone. */
export function refreshTip(doc) {
  const owner = doc.querySelector(`[aria-describedby="${TOOLTIP_ID}"]`);
  if (owner) openTip(doc, owner);
  else closeTip(doc);
}

export function closeTip(doc) {
  const tooltip = doc.getElementById(TOOLTIP_ID);
  if (tooltip) tooltip.hidden = true;
  const owner = doc.querySelector(`[aria-describedby="${TOOLTIP_ID}"]`);
  if (owner) owner.removeAttribute('aria-describedby');
}

/** Above the bar, centred, kept inside the viewport; below it when there is no room above. */
function place(doc, tooltip, target) {
  const win = doc.defaultView;
  if (!win || !target.getBoundingClientRect) return;
  const bar = target.getBoundingClientRect();
  const box = tooltip.getBoundingClientRect();
  const margin = 8;
  const viewport = doc.documentElement.clientWidth;
  let left = bar.left + bar.width / 2 - box.width / 2;
  left = Math.max(margin, Math.min(left, viewport - box.width - margin));
  let top = bar.top - box.height - margin;
  if (top < margin) top = bar.bottom + margin;
  tooltip.style.left = `${Math.round(left + win.scrollX)}px`;
  tooltip.style.top = `${Math.round(top + win.scrollY)}px`;
}

/** Move the roving tab stop within a row of bars and focus the new bar. */
export function moveFocus(current, key) {
  const bars = Array.from(current.parentElement.children);
  const index = bars.indexOf(current);
  const next = {
    ArrowLeft: index - 1,
    ArrowRight: index + 1,
    Home: 0,
    End: bars.length - 1,
  }[key];
  if (next === undefined) return false;
  const target = bars[Math.max(0, Math.min(next, bars.length - 1))];
  current.setAttribute('tabindex', '-1');
  target.setAttribute('tabindex', '0');
  target.focus();
  return true;
}

/** Wire tooltip and keyboard behaviour for every bar, present and future (event delegation). */
export function installTooltips(doc) {
  doc.addEventListener('focusin', (event) => {
    const target = tipTarget(event.target);
    if (target) openTip(doc, target);
  });
  doc.addEventListener('focusout', (event) => {
    if (tipTarget(event.target)) closeTip(doc);
  });
  doc.addEventListener('mouseover', (event) => {
    const target = tipTarget(event.target);
    if (target) openTip(doc, target);
  });
  doc.addEventListener('mouseout', (event) => {
    const target = tipTarget(event.target);
    if (target && target !== doc.activeElement) closeTip(doc);
  });
  doc.addEventListener('keydown', (event) => {
    const target = tipTarget(event.target);
    if (!target) return;
    if (event.key === 'Escape') closeTip(doc);
    else if (moveFocus(target, event.key)) event.preventDefault();
  });
}
