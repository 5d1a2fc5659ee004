import { describe, expect, it } from 'vitest';
import { notChecked } from '../../src/auth/authenticate.ts';
import { providerAuthResults } from '../../src/auth/provider-results.ts';
import type { AuthResults } from '../../src/auth/results.ts';
import { messageFacts } from '../../src/mail/facts.ts';
import { parseMessage } from '../../src/mail/parse.ts';
import { providerMessage, type ProviderMessage } from '../helpers/provider-mail.ts';

/** The provider's results of a message as the provider stores it (its Received hop by mail.example.test). */
async function results(m: Omit<ProviderMessage, 'ip' | 'ehlo'> & Partial<ProviderMessage>, providerHosts: string[] = []): Promise<AuthResults> {
  const raw = await providerMessage({ ip: '198.51.100.7', ehlo: 'mx.sender.test', ...m });
  const { headers } = await parseMessage(raw);
  return providerAuthResults(headers, messageFacts(raw, headers, { providerHosts }), providerHosts);
}

describe('providerAuthResults', () => {
  it('reads DKIM, SPF and DMARC from the provider, and aligns From as mox does', async () => {
    const r = await results({
      from: 'ann@sender.test',
      mailFrom: 'bounce@mail.sender.test',
      authResults: [
        'mail.example.test; dkim=pass header.d=sender.test header.s=sel1; dkim=fail header.d=other.test;' +
          ' spf=pass (sender IP is 198.51.100.7) smtp.mailfrom=bounce@mail.sender.test; dmarc=pass header.from=sender.test',
      ],
    });
    expect(r).toMatchObject({
      checked: true,
      spf: { result: 'pass', identity: 'mailfrom', domain: 'mail.sender.test' },
      dkimDomains: ['sender.test'],
      dmarc: { result: 'pass', use: false, reject: false, domain: 'sender.test' },
      mailFromValidated: true,
      ehloValidated: false,
      fromValidation: 'strict',
    });
    expect(r.dkim.map((d) => [d.domain, d.result])).toEqual([
      ['sender.test', 'pass'],
      ['other.test', 'fail'],
    ]);
  });

  it('takes the domain of header.i, and the org domain for relaxed alignment', async () => {
    const r = await results({ from: 'ann@news.sender.test', mailFrom: 'x@bulk.test', authResults: ['example.test 1; dkim=pass header.i=@Sender.TEST; spf=fail smtp.mailfrom=x@bulk.test'] });
    expect(r).toMatchObject({ dkimDomains: ['sender.test'], spf: { result: 'fail' }, mailFromValidated: false, fromValidation: 'relaxed' });
  });

  it('counts SPF only for the identity mox checks: MAIL FROM, or HELO for the null sender', async () => {
    const other = await results({ from: 'ann@sender.test', mailFrom: 'ann@sender.test', authResults: ['mail.example.test; spf=pass smtp.mailfrom=someone@elsewhere.test'] });
    expect(other).toMatchObject({ spf: { result: 'none', identity: 'mailfrom', domain: 'sender.test' }, mailFromValidated: false, fromValidation: 'none' });
    const bounce = await results({ from: 'mailer-daemon@sender.test', mailFrom: '', authResults: ['mail.example.test; spf=pass smtp.helo=mx.sender.test'] });
    expect(bounce).toMatchObject({ spf: { result: 'pass', identity: 'helo', domain: 'mx.sender.test' }, ehloValidated: true, mailFromValidated: false, fromValidation: 'relaxed' });
  });

  it('ignores results of another authserv-id, or below the trusted hop where the sender writes', async () => {
    const foreign = await results({ from: 'ann@sender.test', mailFrom: 'ann@sender.test', authResults: ['mx.attacker.test; dkim=pass header.d=sender.test; spf=pass smtp.mailfrom=sender.test'] });
    expect(foreign).toEqual(notChecked());
    const below = await results({
      from: 'ann@sender.test',
      mailFrom: 'ann@sender.test',
      headers: ['Authentication-Results: mail.example.test; dkim=pass header.d=sender.test; spf=pass smtp.mailfrom=sender.test'],
    });
    expect(below).toEqual(notChecked());
  });

  it('with provider hosts, trusts their authserv-ids only', async () => {
    const m = { from: 'ann@sender.test', mailFrom: 'ann@sender.test', authResults: ['auth.example.test; dkim=pass header.d=sender.test'] };
    expect(await results(m, ['example.test'])).toMatchObject({ checked: true, dkimDomains: ['sender.test'] });
    expect(await results(m, ['mail.example.test'])).toEqual(notChecked());
  });

  it('knows nothing without a trusted hop, or without results', async () => {
    expect(await results({ from: 'ann@sender.test', ip: '10.0.0.1', authResults: ['mail.example.test; dkim=pass header.d=sender.test'] })).toEqual(notChecked());
    expect(await results({ from: 'ann@sender.test' })).toEqual(notChecked());
    expect(await results({ from: 'ann@sender.test', authResults: ['mail.example.test; (garbage'] })).toMatchObject({ dkimDomains: [] });
  });
});
