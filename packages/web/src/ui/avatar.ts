/** A round avatar: the profile image, or the name's first letter on a colour drawn from the name. */
import type { ProfileData } from '@graphchat/client';
import { h } from './dom.js';

const urls = new WeakMap<Uint8Array, string>();

function imageUrl(image: Uint8Array): string {
  let url = urls.get(image);
  if (url === undefined) {
    url = URL.createObjectURL(new Blob([image.slice()]));
    urls.set(image, url);
  }
  return url;
}

export function avatar(profile: ProfileData | null, name: string): HTMLElement {
  if (profile?.image !== undefined) return h('img', { class: 'avatar', src: imageUrl(profile.image), alt: '' });
  let hue = 0;
  for (const char of name) hue = (hue * 31 + char.codePointAt(0)!) % 360;
  const letter = [...name.trim()][0]?.toUpperCase() ?? '?';
  const element = h('span', { class: 'avatar', 'aria-hidden': 'true' }, letter);
  // Through the CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline styles.
  element.style.background = `hsl(${hue} 45% 42%)`;
  return element;
}
