/**
 * The keyword Warden sets on mail it accepted unsure (docs/analysis.md 2.5). `$` marks a
 * keyword software acts on (RFC 5788 section 3): Warden trains when it is removed. Thunderbird
 * shows it once the user makes a tag of that name (README, "The unsure band").
 */
export const UNSURE_KEYWORD = '$Unsure';

/** The keywords clients set on mail the user called junk (catch-up's junkLabel reads their variants). */
export const JUNK_KEYWORDS = ['$Junk', 'Junk'];

/** Whether `flags` hold `keyword`: keywords are matched without case (RFC 3501 section 2.3.2, as servers do). */
export function hasKeyword(flags: Set<string>, keyword: string): boolean {
  const wanted = keyword.toLowerCase();
  for (const flag of flags) if (flag.toLowerCase() === wanted) return true;
  return false;
}
