import { Tokenizer } from 'htmlparser2';

/** Elements whose text is never shown to the reader: their contents carry no words. */
const HIDDEN = new Set(['script', 'style']);

/**
 * The readable text of an HTML body: text with entities decoded, plus image alt text, with a
 * space at every tag boundary.
 *
 * This deliberately differs from mox (docs/junk.md section 9, fix 3): mox glues text tokens together
 * (`<td>foo</td><td>bar</td>` became the single word `foobar`) and ignored `alt` on a
 * self-closing `<img/>`. Text between two tags is one run however the tokenizer splits it, so
 * `caf&eacute;` stays one word.
 *
 * htmlparser2's tokenizer, not its Parser: the Parser keeps its open-element stack in an array
 * it shifts and unshifts, which is quadratic in the nesting depth (200 000 unclosed tags took
 * 46 s). The tokenizer is linear and already treats script and style content as raw text.
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let tag = ''; // the tag being read
  let attribute = '';
  let alt: string[] = [];
  let hidden = false; // inside script or style
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      ontext(start, end) {
        if (!hidden) out.push(html.slice(start, end));
      },
      ontextentity(codepoint) {
        if (!hidden) out.push(String.fromCodePoint(codepoint));
      },
      onopentagname(start, end) {
        tag = html.slice(start, end).toLowerCase();
        out.push(' ');
      },
      onattribname(start, end) {
        attribute = html.slice(start, end).toLowerCase();
      },
      onattribdata(start, end) {
        if (tag === 'img' && attribute === 'alt') alt.push(html.slice(start, end));
      },
      onattribentity(codepoint) {
        if (tag === 'img' && attribute === 'alt') alt.push(String.fromCodePoint(codepoint));
      },
      onattribend() {
        if (alt.length > 0) out.push(' ', ...alt, ' ');
        alt = [];
      },
      onopentagend() {
        if (HIDDEN.has(tag)) hidden = true;
      },
      onselfclosingtag() {},
      onclosetag(start, end) {
        if (HIDDEN.has(html.slice(start, end).toLowerCase())) hidden = false;
        out.push(' ');
      },
      oncomment() {},
      oncdata() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return out.join('');
}
