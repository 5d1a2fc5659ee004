import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWarden } from '../helpers/warden.ts';

/**
 * Settings stored before a rule was added (a block-list zone that is not a DNS name): Warden
 * says what is wrong and where to put it right, and `warden settings --set` can put it right.
 */

let data: string;

beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'warden-stored-settings-'));
  // The store is made by a first command; then an old, now invalid, value is written under it.
  expect(runWarden(['--data-dir', data, 'settings', '--set', '{"dnsblZones":["zen.spamhaus.org"],"subjectpassHours":24}']).status).toBe(0);
  const db = new Database(join(data, 'warden.db'));
  db.prepare("UPDATE setting SET value = json_set(value, '$.dnsblZones', json('[\"http://bl.example.org\"]')) WHERE key = 'analysis.settings'").run();
  db.close();
});

afterEach(() => rmSync(data, { recursive: true, force: true }));

describe('stored settings that are no longer valid', () => {
  it('are named, with the way to correct them, and warden settings --set corrects them, keeping the rest', () => {
    const shown = runWarden(['--data-dir', data, 'settings']);
    expect(shown.status).not.toBe(0);
    expect(shown.stderr).toMatch(/the analysis settings stored in \S+ are invalid: .*dnsblZones\.0.*: correct them with warden settings --set/);

    const analysed = runWarden(['--data-dir', data, 'analyze', '--offline', '-'], { input: 'From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n' });
    expect(analysed.stderr).toMatch(/are invalid/);

    const fixed = runWarden(['--data-dir', data, 'settings', '--set', '{"dnsblZones":["bl.example.org"]}']);
    expect(fixed.stderr).toBe('');
    expect(JSON.parse(fixed.stdout)).toMatchObject({ dnsblZones: ['bl.example.org'], subjectpassHours: 24 });
    expect(runWarden(['--data-dir', data, 'settings']).status).toBe(0);
  });
});
