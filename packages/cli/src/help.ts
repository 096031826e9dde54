/** Usage text. */
import type { CommandWord } from './args.js';

export const USAGE = `usage: graphchat [global options] COMMAND [arguments]

global options (before the command):
  --dir DIR              state directory (default $GRAPHCHAT_DIR or ~/.graphchat)
  --passphrase-file F    read the database passphrase from the first line of F
                         (otherwise $GRAPHCHAT_PASSPHRASE, or asked on a terminal)
  --json                 print one JSON object per line
  --help, --version

commands:
  init --name NAME --server ADDR [--server ADDR ...] [--full-name X]
       [--session-per-connection] [--queues-per-relay Q]
                         create the database and the first profile
  invite [--qr] [--otr]  make a one-time invitation link (and show its QR code);
                         --otr: off the record, nothing in it is ever signed
  address [--qr]         the profile's long-term contact address (made once);
                         each request through it waits for accept or decline
  connect LINK [--scanned]
                         join through an invitation or send a request to an
                         address (--scanned: seen in person)
  accept CONTACT         accept a request that came through your address
  decline CONTACT        decline it (the requester is not told)
  contacts [--all]       list contacts of the active profile: pending or
                         connected, with how the invitation came (by link or
                         scanned in person); --all also failed ones
  send CONTACT TEXT      queue a message (CONTACT: id or display name)
  sync [--timeout S] [--idle S]
                         talk to the relays until idle for S (default 1) seconds
                         or at the timeout (default 30), printing each event
  history CONTACT        the conversation with CONTACT
  contact CONTACT        CONTACT's profile (full name, status, image) and state
  code CONTACT [--qr]    the security code to compare with CONTACT
  verify CONTACT CODE    mark CONTACT verified if CODE matches
  profile [--name N] [--full-name F] [--status S] [--image FILE]
                         show or edit the active profile
  profile new --name N [--server ADDR ...] [--full-name X]
       [--session-per-connection] [--queues-per-relay Q]
                         add a profile (servers default to the active profile's)
  profile use ID|NAME    make a profile the active one
  profiles               list profiles (* marks the active one)
  proof export CONTACT [--from MSG] [--to MSG] --out FILE
                         write the conversation with CONTACT (or its messages
                         from MSG to MSG, ids as history --json prints them)
                         as a signed proof for anyone to check; FILE holds
                         those messages in the clear
  proof verify FILE      check a proof's signatures, order, completeness and
                         receipts and list its messages; needs no database,
                         passphrase or network; exit 1 if it is invalid
  otr on|off CONTACT     ask CONTACT to go off the record (on) or back on it
                         (off); it switches once they agree
  otr accept CONTACT     agree to CONTACT's request to switch
  chat                   interactive chat (the default on a terminal)
  help [COMMAND]

--session-per-connection: one relay session per contact, so that a relay
cannot link the profile's contacts by the session they arrive on.
--queues-per-relay Q (1-4, default 1): receive queues per relay for each new
contact; messages alternate between them, for more messages per second.
`;

const SYNOPSIS: Record<CommandWord, string> = {
  init: 'graphchat init --name NAME --server ADDR [--server ADDR ...] [--full-name X]\n       [--session-per-connection] [--queues-per-relay Q]',
  invite: 'graphchat invite [--qr] [--otr]',
  otr: 'graphchat otr on|off|accept CONTACT',
  address: 'graphchat address [--qr]',
  connect: 'graphchat connect LINK [--scanned]',
  accept: 'graphchat accept CONTACT',
  decline: 'graphchat decline CONTACT',
  contacts: 'graphchat contacts [--all]',
  send: 'graphchat send CONTACT TEXT',
  sync: 'graphchat sync [--timeout SECONDS] [--idle SECONDS]',
  history: 'graphchat history CONTACT',
  contact: 'graphchat contact CONTACT',
  code: 'graphchat code CONTACT [--qr]',
  verify: 'graphchat verify CONTACT CODE',
  profile: [
    'graphchat profile [--name NAME] [--full-name FULL] [--status STATUS] [--image FILE]',
    '       graphchat profile new --name NAME [--server ADDR ...] [--full-name X]',
    '         [--session-per-connection] [--queues-per-relay Q]',
    '       graphchat profile use ID|NAME',
  ].join('\n'),
  profiles: 'graphchat profiles',
  proof: ['graphchat proof export CONTACT [--from MSG] [--to MSG] --out FILE', '       graphchat proof verify FILE'].join('\n'),
  chat: 'graphchat chat',
};

export function helpText(topic: string | null): string {
  if (topic === null || !(topic in SYNOPSIS)) return USAGE;
  return `usage: ${SYNOPSIS[topic as keyof typeof SYNOPSIS]}\n(global options such as --dir and --json go before the command; see graphchat --help)\n`;
}
