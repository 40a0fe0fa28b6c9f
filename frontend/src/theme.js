// Light and dark themes. Colours live in CSS (prefers-color-scheme); this module follows the
// scheme for what CSS cannot reach: the tab icon, drawn in the colour and shape of the overall state.

const SHAPES = {
  ok: '<circle cx="8" cy="8" r="7"/>',
  warn: '<path d="M8 1 15 14H1z"/>',
  bad: '<path d="M5 1h6l4 4v6l-4 4H5l-4-4V5z"/>',
  maint: '<rect x="1" y="1" width="14" height="14" rx="3"/>',
  none: '<circle cx="8" cy="8" r="6" fill="none" stroke-width="2" stroke="currentColor"/>',
};

/** "dark" or "light", as the reader's system prefers. */
export function colorScheme(win) {
  return win.matchMedia && win.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** An SVG data URL of the state's shape in `color`. */
export function stateIconUrl(tone, color) {
  const shape = SHAPES[tone] || SHAPES.none;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" fill="${color}" color="${color}">${shape}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/**
 * Keep <html data-theme> and the tab icon in step with the scheme and with `currentTone()`.
 * Returns a function that redraws (call it after the state changes).
 */
export function followTheme(doc, win, currentTone) {
  const redraw = () => {
    doc.documentElement.setAttribute('data-theme', colorScheme(win));
    const tone = currentTone();
    const color = win.getComputedStyle(doc.documentElement).getPropertyValue(`--${tone}`).trim() || '#888';
    let link = doc.querySelector('link[rel="icon"]');
    if (!link) {
      link = doc.createElement('link');
      link.setAttribute('rel', 'icon');
      doc.head.append(link);
    }
    link.setAttribute('href', stateIconUrl(tone, color));
  };
  if (win.matchMedia) {
    win.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  }
  redraw();
  return redraw;
}
