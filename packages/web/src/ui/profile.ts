/**
 * Profiles: edit the active one (name, full name, status, avatar), and make
 * a new one. A profile reaches only its own contacts; an edit is sent to
 * each of them.
 */
import type { ProfileData } from '@graphchat/client';
import { MAX_IMAGE_BYTES } from '@graphchat/core';
import { avatar } from './avatar.js';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';

const AVATAR_PIXELS = 128;

/** The picture scaled and cropped to a square JPEG small enough for a profile (MAX_IMAGE_BYTES). */
async function avatarBytes(file: File): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file);
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = AVATAR_PIXELS;
  canvas.getContext('2d')!.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, AVATAR_PIXELS, AVATAR_PIXELS);
  for (const quality of [0.85, 0.7, 0.5, 0.3]) {
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    if (blob !== null && blob.size <= MAX_IMAGE_BYTES) return new Uint8Array(await blob.arrayBuffer());
  }
  throw new Error('this picture does not compress small enough');
}

const field = (label: string, input: HTMLInputElement): HTMLElement => h('label', {}, label, input);

export function profileScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const record = agent.activeProfile();
  let image = record.profile.image;
  const name = h('input', { value: record.profile.displayName, required: true, maxlength: 100 });
  const fullName = h('input', { value: record.profile.fullName ?? '', maxlength: 200 });
  const status = h('input', { value: record.profile.status ?? '', maxlength: 200 });
  const picture = h('input', { type: 'file', accept: 'image/*' });
  const preview = h('div', { class: 'preview' });
  const message = h('p', { role: 'status' });
  const showPreview = (): void => replace(preview, avatar(image === undefined ? null : { displayName: name.value, image }, name.value));
  picture.addEventListener('change', () => {
    const file = picture.files?.[0];
    if (file === undefined) return;
    avatarBytes(file).then(
      (bytes) => ((image = bytes), showPreview()),
      (error: unknown) => (message.textContent = errorText(error)),
    );
  });
  const save = (event: Event): void => {
    event.preventDefault();
    const profile: ProfileData = {
      displayName: name.value.trim(),
      ...(fullName.value.trim() ? { fullName: fullName.value.trim() } : {}),
      ...(status.value.trim() ? { status: status.value.trim() } : {}),
      ...(image !== undefined ? { image } : {}),
    };
    try {
      agent.updateProfile(record.id, profile);
      message.textContent = 'Saved; your contacts get the new profile.';
    } catch (error) {
      message.textContent = errorText(error);
    }
  };
  showPreview();
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Your profile'),
    h('form', { class: 'stack', onsubmit: save }, preview, field('Display name', name), field('Full name (optional)', fullName), field('Status (optional)', status), field('Picture', picture), h('button', { type: 'submit' }, 'Save')),
    message,
  );
  return { element };
}

export function newProfileScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const name = h('input', { required: true, maxlength: 100 });
  const message = h('p', { role: 'status' });
  const create = (event: Event): void => {
    event.preventDefault();
    try {
      // The new profile starts on the relays of the current one; its contacts still get queues and keys of their own.
      const record = agent.createProfile({ displayName: name.value.trim(), relays: agent.activeProfile().relays });
      agent.setActiveProfile(record.id);
      ctx.show({ name: 'home' });
    } catch (error) {
      message.textContent = errorText(error);
    }
  };
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'New profile'),
    h('p', {}, 'Contacts of one profile never see your other profiles, and no relay can link them.'),
    h('form', { class: 'stack', onsubmit: create }, field('Display name', name), h('button', { type: 'submit' }, 'Create profile')),
    message,
    h('p', {}, 'Or bring a profile you use on another device here: ', h('button', { onclick: () => ctx.show({ name: 'join-device' }) }, 'Add a profile from another device')),
  );
  return { element };
}
