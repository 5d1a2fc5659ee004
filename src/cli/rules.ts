import { Command } from 'commander';
import type { DeliveryService, SenderRule } from '../engine/delivery.ts';
import { changeFolder } from './folder.ts';
import type { Output } from './junk.ts';
import { dataDirOf } from './options.ts';

/** `warden rules list|allow|block|remove`: the user's allow and block list (docs/sender-rules.md). */
export function rulesCommands(o: Output): Command {
  const rules = new Command('rules').description('always accept, or always reject, mail from an address or a domain');

  // Loaded on demand, like the analysis elsewhere: the junk commands do without it.
  const withDelivery = async <T>(command: Command, work: (service: DeliveryService) => T): Promise<T> => {
    const { DeliveryService } = await import('../engine/delivery.ts');
    const service = DeliveryService.open(dataDirOf(command), { offline: true });
    try {
      return work(service);
    } finally {
      service.close();
    }
  };

  rules
    .command('list')
    .description('the rules, one per line: allow or block, then the address or domain')
    .option('--json', 'one JSON object per rule and line')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withDelivery(command, (service) => service.settings.senderRules);
      if (options.json) for (const r of list) o.out(JSON.stringify(r));
      else if (list.length === 0) o.out('No rules: warden rules allow SENDER, or warden rules block SENDER, adds one.');
      else for (const r of list) o.out(`${r.action.padEnd(5)}  ${r.sender}`);
    });

  for (const action of ['allow', 'block'] as const) {
    rules
      .command(action)
      .description(`always ${action === 'allow' ? 'accept' : 'reject'} mail from these senders, whatever its content and reputation; replaces a rule they had`)
      .argument('<sender...>', 'an address (alice@example.com), or a domain (example.com) for everyone there and at its subdomains')
      .action(async (senders: string[], _options: unknown, command: Command) => {
        for (const sender of senders) {
          // A running engine (the app, warden serve or run) is told, and applies it from its next message.
          const { rule, replaced } = await changeFolder(dataDirOf(command), `warden rules ${action}`, {
            here: () => withDelivery(command, (service) => service.setSenderRule(sender, action)),
            owner: (client) => client.call('senderRules.add', { sender, action }),
          });
          o.out(`${describeRule(rule)}${replaced && replaced.action !== action ? ` (instead of always ${verb(replaced.action)})` : ''}.`);
        }
      });
  }

  rules
    .command('remove')
    .description('forget the rules for these senders: their mail is analysed like any other')
    .argument('<sender...>', 'the address or domain, as warden rules list shows it')
    .action(async (senders: string[], _options: unknown, command: Command) => {
      for (const sender of senders) {
        const { removed } = await changeFolder(dataDirOf(command), 'warden rules remove', {
          here: () => withDelivery(command, (service) => ({ removed: service.removeSenderRule(sender) })),
          owner: (client) => client.call('senderRules.remove', { sender }),
        });
        o.out(`Removed the rule for ${removed.sender}: its mail was always ${verb(removed.action)}, and is analysed like any other now.`);
      }
    });

  return rules;
}

const verb = (action: SenderRule['action']) => (action === 'allow' ? 'accepted' : 'rejected');

function describeRule(r: SenderRule): string {
  return `Mail from ${r.sender.includes('@') ? r.sender : `everyone at ${r.sender} and its subdomains`} is always ${verb(r.action)}`;
}
