/**
 * Checks a proof bundle file (docs/protocol/proofs.md) with nothing but the
 * file: whether it is valid, the messages it proves with their receipts,
 * and every failure. Needs no contact or connection, so anyone can check a
 * proof they were given.
 *
 * Everything shown comes from the file, which anyone may have written: it
 * goes into the page as text nodes only (h() never parses HTML).
 */
import { nobleCrypto, proofContextNote, verifyProofBundle, type ProofFailure, type ProofReport, type ProvenMessage } from '@graphchat/core';
import { errorText, type AppContext, type Screen } from './context.js';
import { formatTime, h, replace } from './dom.js';

/** Enough of a 43-character key to tell two apart at a glance; the full key is in the title. */
function shortKey(key: string): HTMLElement {
  return h('code', { title: key }, `${key.slice(0, 10)}…${key.slice(-4)}`);
}

function receiptText(receipt: ProvenMessage['receipt']): string {
  return receipt === null ? 'no receipt in this proof' : `received, receipt seq ${receipt.seq} at ${formatTime(receipt.timestamp)}`;
}

/** The context note (proofs.md §2.1) as a sentence. */
function contextNote(message: ProvenMessage): string | null {
  const note = proofContextNote(message);
  return note === null ? null : note.charAt(0).toUpperCase() + note.slice(1);
}

function messageItem(message: ProvenMessage): HTMLElement {
  const note = contextNote(message);
  return h(
    'li',
    { class: `proven ${message.sender}` },
    h('p', { class: 'meta' }, `${message.position}. ${message.sender} · seq ${message.seq} · ${formatTime(message.timestamp)} (sender's clock) · ${message.type}`),
    note === null ? null : h('p', { class: 'context' }, note),
    message.text === null ? null : h('p', { class: 'text' }, message.text),
    h('p', { class: 'receipt' }, receiptText(message.receipt)),
  );
}

function failureItem(failure: ProofFailure): HTMLElement {
  return h('li', {}, `${failure.code}${failure.where === null ? '' : ` ${failure.where}`}: ${failure.message}`);
}

/** The details under the verdict: the connection's code and keys, the messages, the failures. */
function reportView(report: ProofReport): HTMLElement {
  const facts =
    report.securityCode === null || report.signingKeys === null
      ? null
      : h(
          'dl',
          { class: 'proof-facts' },
          h('dt', {}, 'Security code'),
          h('dd', {}, report.securityCode),
          h('dt', {}, "Inviter's signing key"),
          h('dd', {}, shortKey(report.signingKeys.inviter)),
          h('dt', {}, "Joiner's signing key"),
          h('dd', {}, shortKey(report.signingKeys.joiner)),
        );
  return h(
    'div',
    {},
    facts,
    report.failures.length === 0 ? null : h('ul', { class: 'failures', 'aria-label': 'Failures' }, ...report.failures.map(failureItem)),
    report.messages.length === 0 ? null : h('ol', { class: 'proven-messages', 'aria-label': 'Proven messages' }, ...report.messages.map(messageItem)),
  );
}

export function proofScreen(ctx: AppContext): Screen {
  const input = h('input', { type: 'file', accept: '.json,application/json' });
  const verdict = h('p', { class: 'verdict', role: 'status' });
  const details = h('div', { class: 'proof-report' });
  const show = (text: string, valid: boolean | null, report: ProofReport | null): void => {
    verdict.textContent = text;
    verdict.classList.toggle('valid', valid === true);
    verdict.classList.toggle('invalid', valid === false);
    replace(details, report === null ? null : reportView(report));
  };

  // Files are read asynchronously: only the last one chosen gets to show its result.
  let latest = 0;
  const check = async (file: File): Promise<void> => {
    const reading = ++latest;
    show(`Checking ${file.name}…`, null, null);
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch (error) {
      if (reading === latest) show(`NOT VALID: ${file.name} could not be read as JSON (${errorText(error)}).`, false, null);
      return;
    }
    if (reading !== latest) return;
    const report = verifyProofBundle(nobleCrypto, json);
    show(report.valid ? 'VALID: every signature, the order and the receipts check out.' : 'NOT VALID: see the failures below.', report.valid, report);
  };
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file !== undefined) void check(file);
  });

  const element = h(
    'section',
    { class: 'panel proof' },
    h('button', { class: 'back', 'aria-label': 'Back to contacts', onclick: () => ctx.show({ name: 'home' }) }, '‹'),
    h('h2', {}, 'Verify a proof'),
    h(
      'p',
      {},
      'A proof file shows what each side of a conversation signed, in what order, and what the other side acknowledged receiving. ',
      'The keys are tied to people only by the security code: compare it with the one your contact confirmed. ',
      'Times are each sender’s own clock, not proof of when anything happened. ',
      'A message is the answer to what is listed above it only where nothing says otherwise: either side can sign a new message at any time.',
    ),
    h('label', { class: 'file' }, 'Proof file', input),
    verdict,
    details,
  );
  return { element };
}
