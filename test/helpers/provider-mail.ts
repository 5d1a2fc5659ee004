import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';

/**
 * Messages as the user's provider stores them: a Return-Path and the provider's Received header
 * (the trusted hop) on top of what the sender sent, DKIM-signed by the sender when asked. Shared
 * by the authentication and analysis tests, which serve the DNS records with dnsmasq.
 */

/** One DKIM key for every signing domain of a test run (selector sel1). */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** The DKIM key record of `domain`, for dnsmasq's TXT records. */
export const dkimKeyRecord = (domain: string) => ({
  name: `sel1._domainkey.${domain}`,
  value: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
});

export interface ProviderMessage {
  /** The From address. */
  from: string;
  /** The MAIL FROM of the Return-Path: '' for the null sender `<>`, undefined for none. */
  mailFrom?: string;
  /** The connecting IP the provider recorded. */
  ip: string;
  /** The EHLO name; an address literal when ''. */
  ehlo: string;
  /** DKIM-sign with this domain's key. */
  sign?: string;
  to?: string;
  subject?: string;
  body?: string;
  /** The protocol the provider recorded: ESMTPS (TLS) unless given. */
  with?: string;
  /** More header fields the sender wrote, e.g. `List-Id: <x.list.test>`. */
  headers?: string[];
  messageId?: string;
  /** The Content-Type of the body: text/plain unless given (a multipart type with its boundary). */
  contentType?: string;
  /** Authentication-Results the provider wrote, above its Received header (values, without the field name). */
  authResults?: string[];
}

let serial = 0;

export async function providerMessage(m: ProviderMessage): Promise<Buffer> {
  const domain = m.from.split('@')[1];
  const sent = [
    `From: Sender <${m.from}>`,
    `To: ${m.to ?? 'Bob <bob@example.test>'}`,
    `Subject: ${m.subject ?? 'Quarterly numbers'}`,
    'Date: Tue, 24 Nov 2026 09:59:00 +0000',
    `Message-ID: <${m.messageId ?? `${process.pid}.${++serial}.${Math.random().toString(36).slice(2)}`}@${domain}>`,
    ...(m.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: ${m.contentType ?? 'text/plain; charset=utf-8'}`,
    '',
    m.body ?? 'Hello Bob,\r\n\r\nthe numbers are attached.\r\n',
  ].join('\r\n');
  let signed = Buffer.from(sent);
  if (m.sign) {
    const signature = await dkimSign(signed, {
      canonicalization: 'relaxed/relaxed',
      algorithm: 'rsa-sha256',
      // infra.md section 4: the signing data must be inside signatureData, which the types miss.
      signatureData: [{ signingDomain: m.sign, selector: 'sel1', privateKey: PRIVATE_PEM }],
    } as Parameters<typeof dkimSign>[1]);
    if (signature.errors.length > 0) throw new Error(`DKIM signing failed: ${JSON.stringify(signature.errors)}`);
    signed = Buffer.concat([Buffer.from(signature.signatures), signed]);
  }
  const trace = [
    ...(m.authResults ?? []).map((value) => `Authentication-Results: ${value}`),
    ...(m.mailFrom === undefined ? [] : [`Return-Path: <${m.mailFrom}>`]),
    `Received: from ${m.ehlo === '' ? `[${m.ip}]` : m.ehlo} (${m.ehlo === '' ? 'unknown' : m.ehlo} [${m.ip}])`,
    ` by mail.example.test with ${m.with ?? 'ESMTPS'} id 4abc123 for <bob@example.test>;`,
    ' Tue, 24 Nov 2026 10:00:00 +0000',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(trace), signed]);
}
