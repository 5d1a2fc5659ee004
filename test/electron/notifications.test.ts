import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/analysis/analyze.ts';
import type { AccountView, ApiEvent } from '../../src/api/contract.ts';
import { BATCH_ABOVE, notificationsFor, plain, RejectBatcher, rejectOf, SignInNotices, type Clock, type Reject } from '../../electron/notifications.ts';

function arrival(fields: { from?: string; subject?: string; isReject?: boolean; known?: boolean; restored?: boolean; moved?: boolean; elsewhere?: boolean; decided?: boolean } = {}): ApiEvent {
  const isReject = fields.isReject ?? true;
  return {
    kind: 'arrival',
    account: 'home',
    arrival: {
      uid: 7,
      from: fields.from ?? 'Prize Desk <win@lottery.example>',
      subject: fields.subject ?? 'You won',
      decision: fields.decided === false ? undefined : ({ accept: !isReject, isReject, text: 'The content filter scores it 0.99 junk.' } as Decision),
      known: fields.known ?? false,
      restored: fields.restored ?? false,
      moved: fields.moved ?? isReject,
      elsewhere: fields.elsewhere ?? false,
      message: 107,
      decisionId: 207,
    },
  };
}

function reject(n: number, fields: Partial<Reject> = {}): Reject {
  return { account: 'home', uid: n, from: `sender${n}@example.com`, subject: `Offer ${n}`, reason: 'Junk by content.', moved: true, message: 100 + n, decisionId: 200 + n, ...fields };
}

describe('which events are rejects', () => {
  it('a new arrival the analysis rejected, with sender, subject and the reason in words', () => {
    expect(rejectOf(arrival())).toEqual({
      account: 'home',
      uid: 7,
      from: 'Prize Desk <win@lottery.example>',
      subject: 'You won',
      reason: 'The content filter scores it 0.99 junk.',
      moved: true,
      message: 107,
      decisionId: 207,
    });
    expect(rejectOf(arrival({ moved: false }))).toMatchObject({ moved: false });
  });

  it('not accepted mail, mail seen before, restored mail, mail not analysed, mail another computer’s Warden acted on, nor other events', () => {
    expect(rejectOf(arrival({ isReject: false }))).toBeUndefined();
    expect(rejectOf(arrival({ known: true }))).toBeUndefined();
    expect(rejectOf(arrival({ restored: true }))).toBeUndefined();
    expect(rejectOf(arrival({ decided: false }))).toBeUndefined();
    expect(rejectOf(arrival({ moved: false, elsewhere: true }))).toBeUndefined();
    expect(rejectOf({ kind: 'connected', account: 'home' })).toBeUndefined();
  });
});

describe('the notifications', () => {
  it('one per reject when few arrive: sender, subject and reason; Restore where the OS has buttons', () => {
    const [moved] = notificationsFor([reject(1)], 'darwin');
    expect(moved).toEqual({ title: 'Rejected: sender1@example.com', body: 'Offer 1\nJunk by content.', open: { reject: reject(1) }, restore: reject(1) });
    expect(notificationsFor([reject(1)], 'win32')[0]?.restore).toEqual(reject(1));
    expect(notificationsFor([reject(1)], 'linux')[0]).not.toHaveProperty('restore');
  });

  it('says "would reject" for mail left in INBOX, which has nothing to restore', () => {
    const [left] = notificationsFor([reject(1, { moved: false, subject: '' })], 'darwin');
    expect(left).toEqual({ title: 'Would reject: sender1@example.com', body: '(no subject)\nJunk by content.', open: { reject: reject(1, { moved: false, subject: '' }) } });
  });

  it(`one that counts them when more than ${BATCH_ABOVE} arrive together`, () => {
    const many = [reject(1), reject(2), reject(3, { from: 'sender1@example.com' }), reject(4), reject(5), reject(6)];
    expect(notificationsFor(many, 'darwin')).toEqual([
      { title: '6 messages rejected', body: 'From sender1@example.com, sender2@example.com, sender4@example.com and 2 other senders.', open: { view: 'rejects', account: 'home' } },
    ]);
    const mixed = [reject(1), reject(2, { moved: false }), reject(3, { account: 'work' }), reject(4)];
    expect(notificationsFor(mixed, 'darwin')).toEqual([
      { title: '4 messages rejected', body: 'From sender1@example.com, sender2@example.com, sender3@example.com and 1 other sender.\n1 of them left in INBOX.', open: { view: 'rejects' } },
    ]);
    expect(notificationsFor([1, 2, 3, 4].map((n) => reject(n, { moved: false })), 'darwin')[0]).toMatchObject({
      title: '4 messages would be rejected',
      open: { view: 'decisions', account: 'home' },
    });
    expect(notificationsFor([], 'darwin')).toEqual([]);
  });

  it('show text from mail safely: no controls or bidi overrides, cut to length', () => {
    expect(plain('Pay\u202Efdp.exe\u202C now\r\n\u0007please', 100)).toBe('Payfdp.exe now please');
    expect(plain('a'.repeat(200), 100)).toBe('a'.repeat(99) + '…');
  });

  it('on Linux, neutralise the markup notification servers read in the body, not in the title', () => {
    const [linux] = notificationsFor([reject(1, { from: '<b>Bank</b>', subject: '<img src="https://t.example/p.gif"> & <a href="https://x">win</a>' })], 'linux');
    expect(linux?.title).toBe('Rejected: <b>Bank</b>');
    expect(linux?.body).toBe('‹img src="https://t.example/p.gif"› ＆ ‹a href="https://x"›win‹/a›\nJunk by content.');
    expect(linux?.body).not.toMatch(/[<>&]/);
    const [mac] = notificationsFor([reject(1, { subject: 'Tom & Jerry' })], 'darwin');
    expect(mac?.body).toBe('Tom & Jerry\nJunk by content.');
  });
});

/** A clock the test moves by hand. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      due.forEach((t) => t.fn());
    },
  };
}

describe('batching', () => {
  it('hands over rejects once none has come for a while', () => {
    const clock = manualClock();
    const batches: number[][] = [];
    const batcher = new RejectBatcher((rejects) => batches.push(rejects.map((r) => r.uid)), clock, 2_000, 20_000);
    batcher.add(reject(1));
    clock.advance(1_500);
    batcher.add(reject(2));
    clock.advance(1_999);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2]]);
    batcher.add(reject(3));
    clock.advance(2_000);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('does not wait longer than the longest wait while they keep coming', () => {
    const clock = manualClock();
    const batches: number[][] = [];
    const batcher = new RejectBatcher((rejects) => batches.push(rejects.map((r) => r.uid)), clock, 2_000, 5_000);
    for (let n = 1; n <= 8; n++) {
      batcher.add(reject(n));
      clock.advance(1_000);
    }
    // One every second: the first five (0 s to 4 s) go at 5 s, the longest wait after the first.
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    clock.advance(2_000);
    expect(batches).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8],
    ]);
  });

  it('hands over what is pending on flush, and nothing twice', () => {
    const clock = manualClock();
    const batches: number[][] = [];
    const batcher = new RejectBatcher((rejects) => batches.push(rejects.map((r) => r.uid)), clock);
    batcher.add(reject(1));
    batcher.flush();
    batcher.flush();
    clock.advance(60_000);
    expect(batches).toEqual([[1]]);
  });
});

describe('a sign-in that is gone', () => {
  const view = (state: AccountView['state'], needsSignIn?: true): ApiEvent => ({
    kind: 'account',
    account: { name: 'me', folders: {}, host: 'imap.gmail.com', port: 993, tls: 'implicit', allowPlain: false, user: 'me@gmail.com', auth: 'oauth2', mode: 'enforce', state, ...(needsSignIn && { needsSignIn }) },
  });

  it('is told once, opening Accounts, and again only after the account was watched again', () => {
    const notices = new SignInNotices();
    expect(notices.noticeFor(view('watching'), 'linux')).toBeUndefined();
    const notice = notices.noticeFor(view('stopped', true), 'linux');
    expect(notice).toEqual({ title: 'Sign in again: me', body: expect.stringMatching(/^me@gmail\.com at imap\.gmail\.com no longer accepts Warden's sign-in/) as unknown, open: { view: 'accounts' } });
    expect(notices.noticeFor(view('stopped', true), 'linux')).toBeUndefined();
    expect(notices.noticeFor(view('connecting'), 'linux')).toBeUndefined();
    expect(notices.noticeFor(view('stopped', true), 'linux')).toBeUndefined();
    notices.noticeFor(view('watching'), 'linux');
    expect(notices.noticeFor(view('stopped', true), 'linux')?.title).toBe('Sign in again: me');
  });

  it('is not told for other stops, nor for other events', () => {
    const notices = new SignInNotices();
    expect(notices.noticeFor(view('stopped'), 'linux')).toBeUndefined();
    expect(notices.noticeFor({ kind: 'stopped', account: 'me', error: 'refused', signIn: true }, 'linux')).toBeUndefined();
  });
});
