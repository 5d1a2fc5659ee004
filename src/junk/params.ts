import * as v from 'valibot';

/**
 * The filter's settings. The ranges are mox's config validation (docs/junk.md section 5).
 *
 * Defaults: mox's quickstart values, except for changes that `npm run eval` shows better in its
 * online, temporal and bootstrap protocols (docs/content-filter.md): word pairs as well as single
 * words; Robinson's word scores with Fisher's combination instead of Graham's, made one score as
 * the spam side's share of the evidence; every word counting (no ignore band); and a second
 * learner, logistic regression, averaged with it. `MOX_PARAMS`
 * is the mox-compatible set.
 */
export const junkParamsSchema = v.pipe(
  v.strictObject({
    /** A message is junk when its probability is above this (and the filter is significant). */
    threshold: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0.95),
    /**
     * Judge by a threshold fitted on the user's own wanted mail, at most `threshold`
     * (threshold.ts, docs/content-filter.md). mox has no such thing: off in its preset.
     */
    fitThreshold: v.optional(v.boolean(), true),
    /** `fisher`: Robinson–Fisher (bogofilter's method); `mox`: mox's Graham combination. */
    classifier: v.optional(v.picklist(['fisher', 'mox']), 'fisher'),
    onegrams: v.optional(v.boolean(), true),
    twograms: v.optional(v.boolean(), true),
    threegrams: v.optional(v.boolean(), false),
    /** Words scoring closer than this to 0.5 are ignored. */
    ignoreWords: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(0.5)), 0.1),
    /** fisher: how strongly a rarely seen word is pulled toward the prior (Robinson's s; bogofilter's robs). */
    robinsonStrength: v.optional(v.pipe(v.number(), v.gtValue(0)), 0.0178),
    /** fisher: how the two χ² tails make one score (classify.ts): the spam side's share of the evidence, or Robinson's indicator. */
    combine: v.optional(v.picklist(['share', 'indicator']), 'share'),
    /**
     * fisher: a second learner, online logistic regression on the same words (logistic.ts),
     * its log-odds averaged with the Fisher score's. mox has no such thing: off in its preset.
     */
    logistic: v.optional(v.boolean(), true),
    /** fisher: the score of a word never seen (Robinson's x); 0.5 takes no side. */
    robinsonPrior: v.optional(v.pipe(v.number(), v.gtValue(0), v.ltValue(1)), 0.5),
    /** mox: word scores are clamped into [maxPower, 1 - maxPower]. */
    maxPower: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(0.5)), 0.01),
    /** mox: at most this many ham words and this many spam words decide. */
    topWords: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 10),
    /** mox: words seen in at most this many messages are pulled toward 0.5. */
    rareWords: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 2),
  }),
  v.check((p) => p.onegrams || p.twograms || p.threegrams, 'at least one of onegrams, twograms and threegrams must be on'),
);

export type JunkParams = v.InferOutput<typeof junkParamsSchema>;

/** The schema's defaults are mox's where mox has the setting; Warden's own default counts every word. */
export const DEFAULT_JUNK_PARAMS: JunkParams = v.parse(junkParamsSchema, { ignoreWords: 0 });

/** mox's filter exactly as its quickstart configures it (docs/junk.md section 5). */
export const MOX_PARAMS: JunkParams = v.parse(junkParamsSchema, { classifier: 'mox', twograms: false, fitThreshold: false, logistic: false });

/** The settings that change which words a message has: trained counts are only valid for these. */
export function wordSettings(p: JunkParams): string {
  return [p.onegrams && '1', p.twograms && '2', p.threegrams && '3'].filter(Boolean).join('+') + '-grams';
}
