/** Usage text. */
import type { CommandName } from './args.js';

export const USAGE = `usage: graphchat [global options] COMMAND [arguments]

global options (before the command):
  --dir DIR              state directory (default $GRAPHCHAT_DIR or ~/.graphchat)
  --passphrase-file F    read the database passphrase from the first line of F
                         (otherwise $GRAPHCHAT_PASSPHRASE, or asked on a terminal)
  --json                 print one JSON object per line
  --help, --version

commands:
  init --name NAME --server ADDR [--server ADDR ...] [--full-name X]
                         create the database and the first profile
  invite [--qr]          make a one-time invitation link (and show its QR code)
  connect LINK [--scanned]
                         join through an invitation (--scanned: seen in person)
  contacts               list contacts
  send CONTACT TEXT      queue a message (CONTACT: id or display name)
  sync [--timeout S] [--idle S]
                         talk to the relays until idle for S (default 1) seconds
                         or at the timeout (default 30), printing each event
  history CONTACT        the conversation with CONTACT
  code CONTACT           the security code to compare with CONTACT
  verify CONTACT CODE    mark CONTACT verified if CODE matches
  profile [--name N] [--full-name F] [--status S]
                         show or edit the active profile
  chat                   interactive chat (the default on a terminal)
  help [COMMAND]
`;

const SYNOPSIS: Record<Exclude<CommandName, 'help'>, string> = {
  init: 'graphchat init --name NAME --server ADDR [--server ADDR ...] [--full-name X]',
  invite: 'graphchat invite [--qr]',
  connect: 'graphchat connect LINK [--scanned]',
  contacts: 'graphchat contacts',
  send: 'graphchat send CONTACT TEXT',
  sync: 'graphchat sync [--timeout SECONDS] [--idle SECONDS]',
  history: 'graphchat history CONTACT',
  code: 'graphchat code CONTACT',
  verify: 'graphchat verify CONTACT CODE',
  profile: 'graphchat profile [--name NAME] [--full-name FULL] [--status STATUS]',
  chat: 'graphchat chat',
};

export function helpText(topic: string | null): string {
  if (topic === null || !(topic in SYNOPSIS)) return USAGE;
  return `usage: ${SYNOPSIS[topic as keyof typeof SYNOPSIS]}\n(global options such as --dir and --json go before the command; see graphchat --help)\n`;
}
