/**
 * What a reader is told about a proven message's context (proofs.md §2.1),
 * worded once for every client: what it answers, when a reader could
 * otherwise take it as the answer to the message listed before it.
 */
import type { ProvenMessage } from './proof.js';

/**
 * "answers a message not in this proof", "answers message 1, not message 2"
 * and the like; null when the listed order before the message is proven and
 * it answers a message of the proof (or none).
 */
export function proofContextNote(message: ProvenMessage): string | null {
  const answers =
    message.context === 'outside'
      ? 'answers a message not in this proof'
      : message.context === 'handshake'
        ? 'answers the handshake'
        : message.answers === null
          ? 'answers no message in this proof'
          : `answers message ${message.answers}`;
  if (message.unprovenAfter !== null) return `${answers}, not message ${message.unprovenAfter}`;
  return message.context === 'outside' ? answers : null;
}
