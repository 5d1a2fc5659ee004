/** One message's outcome in an online evaluation. */
export interface Outcome {
  label: 'ham' | 'spam';
  /** Higher is spammier. */
  score: number;
  /** The filter's own verdict. */
  spam: boolean;
}

/** hm%: ham judged spam, per cent of ham. sm%: spam judged not spam, per cent of spam. */
export function misclassification(outcomes: Outcome[], isSpam: (o: Outcome) => boolean = (o) => o.spam): { hm: number; sm: number } {
  let ham = 0;
  let spam = 0;
  let hamWrong = 0;
  let spamWrong = 0;
  for (const o of outcomes) {
    if (o.label === 'ham') {
      ham++;
      if (isSpam(o)) hamWrong++;
    } else {
      spam++;
      if (!isSpam(o)) spamWrong++;
    }
  }
  return { hm: ham ? (100 * hamWrong) / ham : 0, sm: spam ? (100 * spamWrong) / spam : 0 };
}

/**
 * (1-ROCA)%: the area above the ROC curve, in per cent, as the TREC spam track reports it.
 * The area under the curve is the chance that a random spam scores above a random ham, ties
 * counting half (the Mann-Whitney statistic).
 */
export function oneMinusRocaPercent(outcomes: Outcome[]): number {
  const sorted = [...outcomes].sort((a, b) => a.score - b.score);
  let hams = 0;
  let spams = 0;
  let spamRankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const rank = (i + 1 + j) / 2; // average of ranks i+1 .. j
    for (let k = i; k < j; k++) {
      if (sorted[k]!.label === 'spam') {
        spams++;
        spamRankSum += rank;
      } else {
        hams++;
      }
    }
    i = j;
  }
  if (hams === 0 || spams === 0) return NaN;
  const auc = (spamRankSum - (spams * (spams + 1)) / 2) / (spams * hams);
  return 100 * (1 - auc);
}
