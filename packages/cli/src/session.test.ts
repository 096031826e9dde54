import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databasePath } from './session.js';

describe('state directory', () => {
  it('databasePath: the database file in the directory, with or without a trailing slash', () => {
    assert.equal(databasePath('/a/b'), '/a/b/graphchat.db');
    assert.equal(databasePath('/a/b/'), '/a/b/graphchat.db');
  });
});
