// Small DOM helpers. Text always goes in as text nodes: nothing from the server is parsed as HTML.

/**
 * Create an element. `props.text` sets textContent, `props.class` the class name, any other key an
 * attribute (skipped when null/false). Children are nodes or strings (added as text nodes).
 */
export function el(doc, tag, props = {}, children = []) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return node;
}

/**
 * Make `container`'s children match `items` in order, reusing the child whose data-key equals
 * `keyOf(item)`. Reused nodes keep focus, open/closed state and scroll position; `update` refreshes
 * their content. Children without a matching item are removed.
 */
export function reconcile(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(container.children)) existing.set(child.getAttribute('data-key'), child);
  let cursor = container.firstElementChild;
  for (const item of items) {
    const key = String(keyOf(item));
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = create(item);
      node.setAttribute('data-key', key);
    }
    update(node, item);
    if (node === cursor) cursor = cursor.nextElementSibling;
    else container.insertBefore(node, cursor);
  }
  for (const stale of existing.values()) stale.remove();
}

/** Set text only when it differs, so unchanged nodes are not touched on refresh. */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

export function setAttr(node, name, value) {
  const text = String(value);
  if (node.getAttribute(name) !== text) node.setAttribute(name, text);
}
