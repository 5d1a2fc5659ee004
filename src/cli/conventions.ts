import { Help, type Command, type Option } from 'commander';

/**
 * One error format for every command, commander's own errors included:
 * `warden: <what went wrong>: <how to fix it>`, on one line. Commander's suggestion
 * ("(Did you mean account?)") is the fix when it has one; otherwise the command's help is.
 */
export function errorLine(text: string, command: Command): string {
  const ours = !text.startsWith('error: ');
  const lines = text.trim().replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.*)\?\)$/.exec(lines.at(-1) ?? '');
  const what = (suggestion ? lines.slice(0, -1) : lines)
    .join(' ')
    // commander writes "… is invalid. <why>": the why belongs to the same sentence.
    .replace(/ is invalid( for argument '[^']*')?\. /, ' is invalid$1: ')
    .replace(/Allowed choices are /, 'choose one of ')
    .replace(/^(too many arguments.*?)\. Expected (\d+) arguments? but got \d+: .*$/, '$1 (it takes $2)')
    .replace(/(?<!\.)\.$/, '');
  if (suggestion) return `warden: ${what}: did you mean ${suggestion[1]}?`;
  // Our own errors say how to fix them already (`what: fix`), as commander's invalid values do
  // (the parser's reason); its other errors point to the help.
  return ours || what.includes(': ') ? `warden: ${what}` : `warden: ${what}: see ${commandPath(command)} --help`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * An option's description in help, with commander's "(default: …)" only where it tells the
 * reader something: not for an empty list, nor where the description names the default itself.
 */
class QuietHelp extends Help {
  override optionDescription(option: Option): string {
    const quiet = Array.isArray(option.defaultValue) || /\(default[ :]/.test(option.description);
    if (!quiet) return super.optionDescription(option);
    // The same option without its default, for commander to describe.
    const withoutDefault = Object.assign(Object.create(Object.getPrototypeOf(option) as object) as Option, option, { defaultValue: undefined });
    return super.optionDescription(withoutDefault);
  }
}

/**
 * Applies the conventions to a command and every command below it: commands added with
 * addCommand do not inherit their parent's settings.
 */
export function applyConventions(command: Command): void {
  command
    .configureOutput({ outputError: (text, write) => write(`${errorLine(text, command)}\n`) })
    .showSuggestionAfterError(true)
    .showHelpAfterError(false);
  command.createHelp = () => Object.assign(new QuietHelp(), command.configureHelp());
  for (const sub of command.commands) applyConventions(sub);
}
