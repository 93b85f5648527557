// A few helpers instead of a framework: elements are built with text nodes only, never from HTML
// strings, so nothing the API returns can turn into markup.

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function required<T extends Element>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

/**
 * A panel with a heading; `aside` goes on the heading's right. With an `id` the heading names it, which
 * makes it a region a screen reader can jump to.
 */
export function panel(title: string, body: Child, aside?: Child, attrs: Attrs = {}): HTMLElement {
  const heading = typeof attrs.id === 'string' ? `${attrs.id}-title` : undefined;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': heading, ...attrs },
    h('header', {}, h('h2', { id: heading }, title), aside),
    body,
  );
}

/** A labelled figure, as the vehicle and meter pages list them; `name` lets a test find it. */
export const fact = (label: string, value: Child, name?: string): HTMLElement =>
  h('div', { class: 'fact', 'data-fact': name }, h('span', { class: 'fact-label' }, label), h('strong', {}, value));

export function notice(kind: 'error' | 'info', text: string): HTMLElement {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
