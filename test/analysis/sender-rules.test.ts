import { describe, expect, it } from 'vitest';
import { senderRuleFor, withoutSenderRule, withSenderRule } from '../../src/analysis/sender-rules.ts';
import { analysisSettingsSchema, type SenderRule } from '../../src/analysis/settings.ts';
import { InvalidSettingsError, parseWith } from '../../src/engine/validate.ts';

/** The rules as kept, or the error that refuses them. */
function kept(senderRules: unknown[]): SenderRule[] | InvalidSettingsError {
  try {
    return parseWith(analysisSettingsSchema, { senderRules }, 'analysis settings').senderRules;
  } catch (err) {
    if (err instanceof InvalidSettingsError) return err;
    throw err;
  }
}

describe('sender rules', () => {
  it('keep an address lower-case and a domain in Unicode, without its @', () => {
    expect(kept([
      { sender: ' Alice@Example.TEST ', action: 'allow' },
      { sender: '@Lists.Example.test.', action: 'block' },
      { sender: 'xn--bcher-kva.test', action: 'allow' },
    ])).toEqual([
      { sender: 'alice@example.test', action: 'allow' },
      { sender: 'lists.example.test', action: 'block' },
      { sender: 'bücher.test', action: 'allow' },
    ]);
  });

  it('refuse what is neither an address nor a domain, and a sender with two rules, naming the place', () => {
    for (const sender of ['', 'alice@', 'two words.test', 'http://example.test/', 'example.test/path', 'a..b']) {
      const refused = kept([{ sender: 'ok.test', action: 'allow' }, { sender, action: 'block' }]);
      expect(refused, sender).toBeInstanceOf(InvalidSettingsError);
      expect((refused as InvalidSettingsError).field).toBe('senderRules.1.sender');
      expect((refused as Error).message).toMatch(/is neither an email address nor a domain: give one like alice@example\.com, or example\.com for everyone there/);
    }
    expect(kept([{ sender: 'x.test', action: 'maybe' }])).toMatchObject({ field: 'senderRules.0.action' });
    expect(kept([{ sender: 'X.test', action: 'allow' }, { sender: 'x.test', action: 'block' }])).toMatchObject({
      field: 'senderRules.1.sender',
      message: expect.stringMatching(/x\.test has more than one rule: keep one/),
    });
  });

  it('find the most specific rule for a From address', () => {
    const rules: SenderRule[] = [
      { sender: 'example.test', action: 'block' },
      { sender: 'a.example.test', action: 'allow' },
      { sender: 'bob@example.test', action: 'allow' },
    ];
    expect(senderRuleFor(rules, { local: 'BOB', domain: 'example.test' })?.sender).toBe('bob@example.test');
    expect(senderRuleFor(rules, { local: 'bob', domain: 'b.a.example.test' })?.sender).toBe('a.example.test');
    expect(senderRuleFor(rules, { local: 'eve', domain: 'example.test' })?.sender).toBe('example.test');
    expect(senderRuleFor(rules, { local: 'eve', domain: 'example.org' })).toBeUndefined();
    expect(senderRuleFor(rules, undefined)).toBeUndefined();
  });

  it('are added in place of the rule a sender had, and removed only when there is one', () => {
    const rules: SenderRule[] = [{ sender: 'a.test', action: 'allow' }, { sender: 'b.test', action: 'allow' }];
    expect(withSenderRule(rules, { sender: 'a.test', action: 'block' })).toEqual([{ sender: 'b.test', action: 'allow' }, { sender: 'a.test', action: 'block' }]);
    expect(withoutSenderRule(rules, 'a.test')).toEqual([{ sender: 'b.test', action: 'allow' }]);
    expect(() => withoutSenderRule(rules, 'c.test')).toThrow('there is no rule for c.test: the rules are for a.test, b.test');
    expect(() => withoutSenderRule([], 'c.test')).toThrow('there is no rule for c.test: there are no rules');
  });
});
