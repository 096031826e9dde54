import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ChatUi, runChat } from './interactive.js';
import { FakeAgent, fakeContact } from './test-support/fake-agent.js';

function agentWithContacts(): FakeAgent {
  const agent = new FakeAgent();
  agent.createProfile({ displayName: 'alice', relays: ['emp://f@h:1'] });
  agent.calls.length = 0;
  agent.contactList.push(fakeContact('c1', 'bob', { verified: true }), fakeContact('c2', 'carol'));
  return agent;
}

/** Runs the chat over pipes with the given input lines; returns what it printed. */
async function chat(agent: FakeAgent, lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const done = runChat(agent, { input, output, terminal: false }, async (text) => `QR(${text.length})\n`);
  input.end(lines.map((line) => line + '\n').join(''));
  await done;
  return printed;
}

describe('interactive chat', () => {
  it('starts the agent, lists contacts with ✓ marks, and stops on end of input', async () => {
    const agent = agentWithContacts();
    const printed = await chat(agent, []);
    assert.match(printed, /graphchat: alice\. \/help/);
    assert.match(printed, /bob {2}connected {2}✓ verified/);
    assert.deepEqual(agent.calls, ['start', 'stop']);
  });

  it('greets with the own name made printable', async () => {
    const agent = new FakeAgent();
    agent.createProfile({ displayName: 'ali\x1b[2Jce\u202e', relays: ['emp://f@h:1'] });
    const printed = await chat(agent, []);
    assert.match(printed, /graphchat: ali\ufffd\[2Jce\ufffd\. \/help/);
  });

  it('/open shows recent history; plain text goes to the open conversation', async () => {
    const agent = agentWithContacts();
    agent.messages.set('c1', [{ id: 'm0', direction: 'received', text: 'earlier', status: 'received', timestamp: 0, seq: 1 }]);
    const printed = await chat(agent, ['hello?', '/open bob', 'hi bob', '//slash', '/quit', 'not sent']);
    assert.match(printed, /error: no conversation open/);
    assert.match(printed, /— bob \(connected, ✓ verified\) —/);
    assert.match(printed, /bob: earlier/);
    assert.deepEqual(agent.calls, ['start', 'send c1 hi bob', 'send c1 /slash', 'stop']);
  });

  it('unread counts for other conversations, ticks for sent and delivered', async () => {
    const agent = agentWithContacts();
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const ui = new ChatUi(agent, { input, output, terminal: false }, async () => '');
    const done = ui.run();
    await ui.handle('/open bob');
    await ui.handle('hi');
    ui.onEvent({ event: 'sent', contact: 'c1', message: 'm1' });
    ui.onEvent({ event: 'receipt', contact: 'c1', message: 'm1' });
    ui.onEvent({ event: 'message', contact: 'c1', message: 'x1', text: 'yo', timestamp: 0 });
    ui.onEvent({ event: 'message', contact: 'c2', message: 'x2', text: 'psst', timestamp: 0 });
    ui.onEvent({ event: 'message', contact: 'c2', message: 'x3', text: 'again', timestamp: 0 });
    await ui.handle('/contacts');
    input.end();
    await done;
    assert.match(printed, / {2}✓ sent to bob: "hi"\n/);
    assert.match(printed, / {2}✓✓ delivered to bob: "hi"\n/);
    assert.match(printed, /\nbob: yo\n/);
    assert.match(printed, /\n\[carol\] psst\n/);
    assert.match(printed, /carol {2}connected {2}\[2 unread\]/);
    assert.match(printed, /\* bob {2}connected/);
  });

  it('prints move steps and rekeys as they happen', async () => {
    const agent = agentWithContacts();
    agent.events = [
      { event: 'move', contact: 'c1', step: 'done', relays: ['emp://c@h:3'] },
      { event: 'move', contact: 'c2', step: 'peer-switched', relays: ['emp://d@h:4'] },
      { event: 'rekeyed', contact: 'c1', by: 'contact' },
    ];
    const printed = await chat(agent, []);
    assert.match(printed, /moved bob's connection: bob now sends to emp:\/\/c@h:3\n/);
    assert.match(printed, /carol moved: now sending to emp:\/\/d@h:4\n/);
    assert.match(printed, /! bob: The contact asked for new keys: .* the security code changed/);
  });

  it('/invite, /connect, /code, /verify, /name, errors and unknown commands', async () => {
    const agent = agentWithContacts();
    const printed = await chat(agent, [
      '/help',
      '/invite',
      '/connect LINK',
      '/connect used',
      '/code',
      '/open carol',
      '/code',
      '/verify 99999',
      '/verify 12345 67890',
      '/name Alicia',
      '/open nobody',
      '/dance',
    ]);
    assert.match(printed, /\/verify CODE/);
    assert.match(printed, new RegExp(`\n${agent.link}\nQR\\(${agent.link.length}\\)\n`));
    assert.match(printed, /connecting \(contact c-joined\)/);
    assert.match(printed, /error: this invitation was already used/);
    assert.match(printed, /security code with carol: 12345 67890/);
    assert.match(printed, /the code does not match carol's/);
    assert.match(printed, /✓ carol verified/);
    assert.match(printed, /you are now Alicia/);
    assert.equal(agent.activeProfile().profile.displayName, 'Alicia');
    assert.match(printed, /error: no contact "nobody"/);
    assert.match(printed, /error: unknown command \/dance/);
    assert.ok(agent.calls.includes('connect LINK link'));
  });

  it('/address, incoming requests, /accept and /decline', async () => {
    const agent = agentWithContacts();
    agent.contactList.push(fakeContact('c3', 'dora', { status: 'pending', request: true }), fakeContact('c4', 'eve', { status: 'pending', request: true }));
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const ui = new ChatUi(agent, { input, output, terminal: false }, async (text) => `QR(${text.length})\n`);
    const done = ui.run();
    await ui.handle('/address');
    ui.onEvent({ event: 'request', contact: 'c3', name: 'dora' });
    await ui.handle('/contacts');
    await ui.handle('/accept dora');
    await ui.handle('/accept dora');
    await ui.handle('/decline c4');
    await ui.handle('/accept');
    input.end();
    await done;
    assert.match(printed, new RegExp(`your contact address.*\n${agent.address}\nQR\\(${agent.address.length}\\)\n`));
    assert.match(printed, /dora asks to connect through your address: \/accept dora or \/decline dora\n/);
    assert.match(printed, / {2}dora {2}pending {2}asks to connect/);
    assert.match(printed, /accepted dora; you will see when the connection is done/);
    assert.match(printed, /error: c3 is not a pending request/);
    assert.match(printed, /declined eve/);
    assert.match(printed, /error: usage: \/accept NAME/);
    assert.deepEqual(agent.calls, ['start', 'contactAddress', 'acceptRequest c3', 'acceptRequest c3', 'declineRequest c4', 'stop']);
  });

  it('/profiles and /use switch profile and close the open conversation', async () => {
    const agent = agentWithContacts();
    agent.createProfile({ displayName: 'work', relays: ['emp://f@h:1'] });
    agent.calls.length = 0;
    const printed = await chat(agent, ['/open bob', '/profiles', '/use work', 'hello?', '/use nobody', '/use', '/help']);
    assert.match(printed, /\* alice {2}p1\n {2}work {2}p2\n/);
    assert.match(printed, /now work\n/);
    assert.match(printed, /error: no conversation open/);
    assert.match(printed, /error: no profile nobody/);
    assert.match(printed, /error: usage: \/use NAME/);
    assert.match(printed, /\/address .*\n.*\/accept NAME/);
    assert.match(printed, /\/profiles .*\n.*\/use NAME/);
    assert.equal(agent.activeProfile().id, 'p2');
    assert.deepEqual(agent.calls, ['start', 'setActiveProfile p2', 'setActiveProfile nobody', 'stop']);
  });
});
