/**
 * A few lines of DOM building, so screens read as the markup they make.
 * Text always goes in as text nodes (never as HTML): names and messages come
 * from other people.
 */
export type Child = Node | string | null | undefined | false;
type Prop = string | number | boolean | null | undefined | ((event: Event) => void);

/**
 * `h('button', { class: 'primary', onclick: send }, 'Send')`. Props starting
 * with "on" are event listeners; `true` sets an empty attribute, and
 * `false`, null and undefined leave it out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, Prop> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Hours and minutes of a timestamp, with the date when it is not today. */
export function formatTime(timestamp: number, now = Date.now()): string {
  const date = new Date(timestamp);
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return new Date(now).toDateString() === date.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}
