import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAT_COMMANDS, CHAT_HELP, chatCommand } from './chat-commands.js';
import { ENTRIES } from './commands/table.js';

describe('chat commands', () => {
  it('are the table entries with a slash form, and the chat\'s own /open, /help and /quit', () => {
    const fromTable = ENTRIES.flatMap((entry) => (entry.opens !== 'nothing' && entry.slash !== null ? [entry.slash] : []));
    for (const command of fromTable) assert.ok(CHAT_COMMANDS.includes(command), command.name);
    assert.deepEqual(
      CHAT_COMMANDS.filter((command) => !fromTable.includes(command)).map((command) => command.name),
      ['/open', '/help', '/quit'],
    );
  });

  it('are found in any case, and by their aliases', () => {
    assert.equal(chatCommand('/HELP')?.name, '/help');
    assert.equal(chatCommand('/?')?.name, '/help');
    assert.equal(chatCommand('/exit')?.name, '/quit');
    assert.equal(chatCommand('/Use')?.name, '/use');
    assert.equal(chatCommand('/dance'), undefined);
  });

  it('/help lists them in this order, aligned', () => {
    assert.deepEqual(CHAT_HELP, [
      'commands:',
      '  /contacts         list contacts (✓ verified, unread counts)',
      '  /open NAME        open the conversation with NAME (name or id) and show recent messages',
      '  /history          the whole open conversation',
      '  /invite           make a one-time invitation (link and QR code)',
      '  /connect LINK     join through someone\'s invitation or contact address',
      '  /address          your long-term contact address (link and QR code)',
      '  /accept NAME      accept a request that came through your address',
      '  /decline NAME     decline it',
      '  /code             the security code of the open conversation, to compare with the contact',
      '  /verify CODE      mark the open contact verified if CODE matches theirs',
      '  /name NEW         change your display name (contacts see it)',
      '  /profiles         list your profiles (* active)',
      '  /use NAME         switch to another profile (its own contacts)',
      '  /help             this list',
      '  /quit             leave (also Ctrl-D)',
      'anything else is sent to the open conversation (start a message with // to send a leading /)',
    ]);
  });
});
