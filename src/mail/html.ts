import { Parser } from 'htmlparser2';

/** Elements whose text is never shown to the reader: their contents carry no words. */
const HIDDEN = new Set(['script', 'style']);

/**
 * The readable text of an HTML body: text nodes with entities decoded, plus image alt text,
 * with a space at every tag boundary.
 *
 * This deliberately differs from mox (junk.md section 9, fix 3): mox glues text tokens together
 * (`<td>foo</td><td>bar</td>` became the single word `foobar`) and ignored `alt` on a
 * self-closing `<img/>`. Text between two tags is still one run, however many callbacks the
 * parser splits it into, so `caf&eacute;` stays one word.
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (HIDDEN.has(name)) hidden++;
        out.push(' ');
        if (name === 'img' && attributes.alt) out.push(attributes.alt, ' ');
      },
      onclosetag(name) {
        if (HIDDEN.has(name) && hidden > 0) hidden--;
        out.push(' ');
      },
      ontext(text) {
        if (hidden === 0) out.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  return out.join('');
}
