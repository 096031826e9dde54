/**
 * The first screen: unlock the encrypted store with its passphrase, or
 * create it (passphrase, a first profile and its relay, or the profile of
 * another of my devices through its device link). The passphrase
 * never leaves this page; a key derived from it (Argon2id) encrypts
 * everything the client stores.
 */
import { openSession, servingRelay, storeExists, type FirstProfile, type WebSession } from '../session.js';
import { errorText } from './context.js';
import { deviceLinkField } from './device-link-field.js';
import { h, replace } from './dom.js';

const MIN_PASSPHRASE = 8;

export async function unlockScreen(root: HTMLElement, done: (session: WebSession) => void): Promise<void> {
  const exists = await storeExists();
  const error = h('p', { class: 'error', role: 'alert' });
  const passphrase = h('input', { type: 'password', required: true, autocomplete: exists ? 'current-password' : 'new-password' });
  const submit = h('button', { type: 'submit' }, exists ? 'Unlock' : 'Create');
  const busy = (on: boolean, label: string): void => {
    submit.disabled = on;
    submit.textContent = label;
  };

  if (exists) {
    const unlock = async (event: Event): Promise<void> => {
      event.preventDefault();
      busy(true, 'Unlocking…');
      let session: WebSession;
      try {
        session = await openSession(passphrase.value);
      } catch (e) {
        error.textContent = errorText(e);
        busy(false, 'Unlock');
        return;
      }
      done(session); // the form stays disabled: one session per page
    };
    replace(
      root,
      h('form', { class: 'unlock stack', onsubmit: (e: Event) => void unlock(e) }, h('h1', {}, 'graphchat'), h('label', {}, 'Passphrase', passphrase), submit, error),
    );
    passphrase.focus();
    return;
  }

  const repeat = h('input', { type: 'password', required: true, autocomplete: 'new-password' });
  const name = h('input', { required: true, maxlength: 100 });
  const relay = h('input', { required: true, value: (await servingRelay()) ?? '', placeholder: 'emp://…@host:port' });
  const deviceName = h('input', { required: true, maxlength: 64, placeholder: 'Laptop browser' });
  const link = deviceLinkField();
  /** A new profile here, or (`linking`) the profile of another of my devices, joined from its device link. */
  let linking = false;
  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (passphrase.value.length < MIN_PASSPHRASE) return void (error.textContent = `Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
    if (passphrase.value !== repeat.value) return void (error.textContent = 'The passphrases differ.');
    const label = submit.textContent ?? '';
    busy(true, linking ? 'Linking…' : 'Creating…');
    let session: WebSession;
    try {
      const first: FirstProfile = linking ? { deviceLink: link.input.value, deviceName: deviceName.value } : { name: name.value, relay: relay.value };
      session = await openSession(passphrase.value, first);
    } catch (e) {
      // A link that failed on the relay failed after the store and its profile were made: creating again would fail too.
      const made = linking && (await storeExists());
      error.textContent = errorText(e) + (made ? '. This browser keeps the profile made for the link: reload, unlock it, and link again under Devices, Add a profile from another device.' : '');
      if (!made) busy(false, label);
      return;
    }
    link.close();
    done(session);
  };
  const form = h('form', { class: 'unlock stack', onsubmit: (e: Event) => void create(e) });
  const intro = h('p', {}, 'Everything stays on this device, encrypted with your passphrase. There is no account, and no way to recover a forgotten passphrase.');
  function render(): void {
    error.textContent = '';
    const passphrases = [h('label', {}, 'Passphrase', passphrase), h('label', {}, 'Passphrase again', repeat)];
    const switchTo = (next: boolean): void => {
      linking = next;
      if (!next) link.close();
      render();
      (next ? link.input : name).focus();
    };
    if (linking) {
      busy(false, 'Link');
      replace(
        form,
        h('h1', {}, 'graphchat'),
        h('h2', {}, 'Link to a device you already use'),
        h('p', {}, 'On the other device, open Devices and choose Link a device. This browser then gets your profile and your contacts; their conversations continue here too.'),
        link.element,
        h('label', {}, 'A name for this device (your other devices show it)', deviceName),
        intro,
        ...passphrases,
        submit,
        error,
        h('button', { type: 'button', onclick: () => switchTo(false) }, 'Create a new profile instead'),
      );
    } else {
      busy(false, 'Create');
      replace(
        form,
        h('h1', {}, 'graphchat'),
        intro,
        h('label', {}, 'Your name (shown only to your contacts)', name),
        ...passphrases,
        h('label', {}, 'Relay', relay),
        submit,
        error,
        h('button', { type: 'button', onclick: () => switchTo(true) }, 'Link to a device you already use'),
      );
    }
  }
  render();
  replace(root, form);
  name.focus();
}
