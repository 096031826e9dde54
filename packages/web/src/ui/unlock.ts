/**
 * The first screen: unlock the encrypted store with its passphrase, or
 * create it (passphrase, a first profile and its relay). The passphrase
 * never leaves this page; a key derived from it (Argon2id) encrypts
 * everything the client stores.
 */
import { openSession, servingRelay, storeExists, type WebSession } from '../session.js';
import { errorText } from './context.js';
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
  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (passphrase.value.length < MIN_PASSPHRASE) return void (error.textContent = `Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
    if (passphrase.value !== repeat.value) return void (error.textContent = 'The passphrases differ.');
    busy(true, 'Creating…');
    let session: WebSession;
    try {
      session = await openSession(passphrase.value, { name: name.value, relay: relay.value });
    } catch (e) {
      error.textContent = errorText(e);
      busy(false, 'Create');
      return;
    }
    done(session);
  };
  replace(
    root,
    h(
      'form',
      { class: 'unlock stack', onsubmit: (e: Event) => void create(e) },
      h('h1', {}, 'graphchat'),
      h('p', {}, 'Everything stays on this device, encrypted with your passphrase. There is no account, and no way to recover a forgotten passphrase.'),
      h('label', {}, 'Your name (shown only to your contacts)', name),
      h('label', {}, 'Passphrase', passphrase),
      h('label', {}, 'Passphrase again', repeat),
      h('label', {}, 'Relay', relay),
      submit,
      error,
    ),
  );
  name.focus();
}
