import { describe, expect, it } from 'vitest';
import { authNotCheckedWords, decidingSection, dkimWords, dmarcWords, dnsblWords, iprevWords, spfWords, subjectpassWords, thresholdWords } from '../../renderer/src/lib/evidence.ts';
import { verdictOf } from '../../renderer/src/lib/verdict.ts';

describe('evidence in words', () => {
  it('says what each authentication result means for the sender', () => {
    expect(spfWords({ result: 'softfail', identity: 'mailfrom', domain: 'offers.test' })).toBe('soft fail: offers.test says the sending server probably may not send its mail');
    expect(spfWords({ result: 'temperror', identity: 'mailfrom', domain: 'offers.test' })).toMatch(/^could not be checked/);
    expect(dkimWords([])).toBe('not signed');
    expect(dkimWords([{ domain: 'a.test', selector: 's', result: 'pass', bodyLimited: true, services: ['*'] }, { domain: 'b.test', selector: 's', result: 'fail', bodyLimited: false, services: ['*'] }])).toBe(
      'valid signature of a.test (covering only part of the body); signature of b.test did not verify (fail)',
    );
    expect(dmarcWords({ result: 'fail', policy: 'reject', use: true, reject: true, domain: 'bank.test' })).toBe(
      'failed: bank.test in the From address is not the domain authenticated, and it asks for such mail to be rejected',
    );
    expect(iprevWords({ result: 'pass', names: ['mx.offers.test'] })).toBe("the sending server's address has a matching name (mx.offers.test)");
  });

  it('says a listing with its zone and explanation, and a pass token only when there was one', () => {
    expect(dnsblWords({ zone: 'bl.example', result: 'fail', explanation: 'see https://bl.example' })).toBe('listed by bl.example: see https://bl.example');
    expect(dnsblWords({ zone: '', result: 'pass', explanation: '' })).toBe('on none of your block lists');
    expect(dnsblWords({ zone: '', result: 'not-checked', explanation: '' })).toBe('not checked');
  });

  it('says why checks were skipped when the DNS failed its health check, and the usual causes otherwise', () => {
    const reason = 'the DNS (10.0.0.1) says that none of example.com exists: it denies everything (a captive portal, or a filtering resolver), so it is not asked about senders';
    expect(dnsblWords({ zone: '', result: 'not-checked', explanation: '', reason })).toBe(`not checked: ${reason}`);
    expect(authNotCheckedWords({ reason })).toBe(`Not checked: ${reason}.`);
    expect(authNotCheckedWords({})).toBe('Not checked: Warden was offline, or found no Received header of your provider to trust.');
    expect(subjectpassWords('absent')).toBeUndefined();
    expect(subjectpassWords('off')).toBeUndefined();
    expect(subjectpassWords('expired')).toMatch(/expired/);
  });
});

describe('decidingSection', () => {
  it('opens the part of the evidence that decided', () => {
    expect(decidingSection('junk-content-strict')).toBe('content');
    expect(decidingSection('msgfromorgdomain')).toBe('reputation');
    expect(decidingSection('ip2')).toBe('reputation');
    expect(decidingSection('dmarc-policy')).toBe('auth');
    expect(decidingSection('dns-blocklisted')).toBe('dnsbl');
    expect(decidingSection('list-allow')).toBe('other');
  });
});

describe('the threshold and the verdict in words', () => {
  const junk = { probability: 1, significant: true, words: [] as [string, number][] };

  it('explains the jitter where the threshold shows: the setting, and how far it moved for this message', () => {
    expect(thresholdWords({ ...junk, threshold: 0.905, configured: 0.95 })).toBe('your threshold 0.950, moved −0.045 at random for this message');
    expect(thresholdWords({ ...junk, threshold: 0.97, configured: 0.95 })).toBe('your threshold 0.950, moved +0.020 at random for this message');
    // Recorded before the setting was kept beside it.
    expect(thresholdWords({ ...junk, threshold: 0.93 })).toBe('your threshold, moved a little at random for this message');
    expect(thresholdWords({ ...junk, threshold: 0.25, configured: 0.95 })).toMatch(/^the stricter threshold/);
  });

  it('says when the threshold was fitted on the training, on how many wanted messages', () => {
    expect(thresholdWords({ ...junk, threshold: 0.52, configured: 0.95, fitted: { threshold: 0.5, ham: 400, highest: 0.329 } })).toBe(
      '0.500, below your threshold 0.950: fitted on your training, none of your latest 400 wanted messages scored higher without its own words (the highest 0.329); moved +0.020 at random for this message',
    );
    // Set aside for the unsure band: the setting judged, and the fit is named.
    expect(thresholdWords({ ...junk, threshold: 0.96, configured: 0.95, fitted: { threshold: 0.95, ham: 400, highest: 0.329, setAside: { by: 'unsure-band', fitted: 0.5 } } })).toBe(
      'your threshold 0.950, not the 0.500 fitted on your training, as the unsure band is on; moved +0.010 at random for this message',
    );
    // Fitted back up to the setting: the setting is what the user needs to know.
    expect(thresholdWords({ ...junk, threshold: 0.93, configured: 0.95, fitted: { threshold: 0.95, ham: 1000, highest: 0.999 } })).toBe(
      'your threshold 0.950, moved −0.020 at random for this message',
    );
  });

  it('says what the user did after Warden decided: filed as junk, restored', () => {
    expect(verdictOf({ accept: true, isReject: false, junk: false, unsure: false, wanted: false, elsewhere: false })).toEqual({ word: 'Accepted', story: 'Accepted', tone: 'accept' });
    expect(verdictOf({ accept: true, isReject: false, junk: true, unsure: false, wanted: false, elsewhere: false })).toEqual({ word: 'Junk', story: 'Accepted, then filed as junk by you', tone: 'reject' });
    expect(verdictOf({ accept: false, isReject: true, junk: false, unsure: false, wanted: false, elsewhere: false })).toMatchObject({ word: 'Rejected', tone: 'reject' });
    expect(verdictOf({ accept: false, isReject: false, junk: false, unsure: false, wanted: false, elsewhere: false })).toEqual({ word: 'Restored', story: 'Rejected, then restored by you', tone: 'restored' });
    expect(verdictOf({ accept: false, isReject: false, junk: true, unsure: false, wanted: false, elsewhere: false })).toMatchObject({ word: 'Junk', story: 'Rejected, then filed as junk by you' });
    // Accepted unsure (docs/analysis.md 2.5): a word and a colour of its own, until the user files it as junk.
    expect(verdictOf({ accept: true, isReject: false, junk: false, unsure: true, wanted: false, elsewhere: false })).toEqual({ word: 'Unsure', story: 'Accepted, but Warden is unsure: left in INBOX for you to judge', tone: 'unsure' });
    expect(verdictOf({ accept: true, isReject: false, junk: true, unsure: true, wanted: false, elsewhere: false })).toMatchObject({ word: 'Junk', story: 'Accepted, then filed as junk by you' });
    expect(verdictOf({ accept: true, isReject: false, junk: false, unsure: true, wanted: true, elsewhere: false })).toEqual({ word: 'Wanted', story: 'Accepted unsure, then judged wanted by you', tone: 'accept' });
    expect(verdictOf({ accept: false, isReject: true, junk: false, elsewhere: true, unsure: false, wanted: false })).toEqual({
      word: 'Elsewhere',
      story: 'Rejected here; decided elsewhere: Warden on another computer acted on it',
      tone: 'reject',
    });
    // Restored by the user after the other computer moved it: the user's word is the last.
    expect(verdictOf({ accept: false, isReject: false, junk: false, elsewhere: true, unsure: false, wanted: false })).toMatchObject({ word: 'Restored' });
    expect(verdictOf({ accept: false, isReject: false, junk: true, elsewhere: false, unsure: false, wanted: false })).toMatchObject({ word: 'Junk', story: 'Rejected, then filed as junk by you' });
  });
});
