import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_WORDS } from './commands/table.js';
import { helpText, USAGE } from './help.js';

describe('help', () => {
  it('documents every command in the usage text and has a synopsis for each', () => {
    for (const name of COMMAND_WORDS) {
      assert.match(USAGE, new RegExp(`\\n  ${name}\\b`), `${name} missing from the usage text`);
      assert.match(helpText(name), new RegExp(`^usage: graphchat ${name}\\b`), name);
    }
  });

  it('covers the contact address, profiles and the session option', () => {
    for (const text of ['contacts [--all]', 'address [--qr]', 'accept CONTACT', 'decline CONTACT', 'profile new --name N', 'profile use ID|NAME', 'profiles']) {
      assert.ok(USAGE.includes(text), text);
    }
    assert.match(helpText('init'), /--session-per-connection/);
    assert.match(helpText('profile'), /profile new [^]*--session-per-connection/);
    assert.match(helpText('init'), /--queues-per-relay Q/);
    assert.match(USAGE, /--queues-per-relay Q \(1-4, default 1\)/);
    assert.match(helpText('profile'), /profile use ID\|NAME/);
  });

  it('covers both proof subcommands', () => {
    assert.ok(USAGE.includes('proof export CONTACT [--from MSG] [--to MSG] --out FILE'));
    assert.ok(USAGE.includes('proof verify FILE'));
    assert.match(helpText('proof'), /proof export CONTACT [^]*proof verify FILE/);
  });

  it('covers relays, moves, rekey and rotation (issue 13)', () => {
    for (const text of ['relays  ', 'relays add ADDR', 'relays remove ADDR', 'rotate CONTACT', 'rekey CONTACT', 'profile rotation [DURATION|off]']) {
      assert.ok(USAGE.includes(text), text);
    }
    assert.match(helpText('relays'), /^usage: graphchat relays\n {7}graphchat relays add ADDR\n {7}graphchat relays remove ADDR/);
    assert.match(helpText('profile'), /profile rotation \[DURATION\|off\]/);
    assert.match(USAGE, /default 7d: a relay can follow/);
  });

  it('covers several devices (issue 14): link, join, list, remove, code; sync finishes an interrupted link', () => {
    for (const text of ['devices  ', 'device link [--profile ID|NAME ...] [--history] [--qr]', 'device join LINK [LINK ...]', 'device remove DEVICE', 'device code DEVICE']) {
      assert.ok(USAGE.includes(text), text);
    }
    assert.match(USAGE, /if interrupted, "graphchat sync" finishes the linking/);
    assert.match(helpText('device'), /^usage: graphchat device link [^]*graphchat device join LINK [^]*graphchat device remove DEVICE\n {7}graphchat device code DEVICE/);
  });

  it('no lines wider than 90 columns; unknown topics give the usage', () => {
    for (const line of USAGE.split('\n')) assert.ok(line.length <= 90, line);
    assert.equal(helpText('nope'), USAGE);
    assert.equal(helpText(null), USAGE);
  });
});
