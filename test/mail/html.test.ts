import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../src/mail/html.ts';

/** The whitespace-separated pieces of the text of some HTML. */
function pieces(html: string): string[] {
  return htmlToText(html).split(/\s+/).filter(Boolean);
}

describe('htmlToText (docs/junk.md section 9, fix 3)', () => {
  it.each([
    ['<td>foo</td><td>bar</td>', ['foo', 'bar']],
    ['<div>good</div><div>day</div>', ['good', 'day']],
    ['<TD>foo</TD><TD>bar</TD>', ['foo', 'bar']],
    ['one<br>two<br/>three<hr>four', ['one', 'two', 'three', 'four']],
    ['<b>V</b>iagra', ['V', 'iagra']],
    ['<p>first</p>\n<p>second <i>third</i></p>', ['first', 'second', 'third']],
  ])('separates text at tag boundaries: %j', (html, expected) => {
    expect(pieces(html)).toEqual(expected);
  });

  it('decodes entities without splitting the word they are in', () => {
    expect(pieces('caf&eacute;')).toEqual(['café']);
    expect(pieces('<p>caf&eacute;s cr&egrave;me</p>')).toEqual(['cafés', 'crème']);
    expect(htmlToText('a&amp;b &lt;tag&gt; &quot;q&quot;')).toBe('a&b <tag> "q"');
    expect(htmlToText('x&nbsp;y')).toBe('x\u00a0y');
    expect(htmlToText('&#65;&#x42;&#x63; &#233;t&#xE9; &#x1F600;')).toBe('ABc été \u{1F600}');
  });

  it('drops the contents of script and style, whatever their case and attributes', () => {
    expect(pieces('before<script type="text/javascript">var hidden = "<b>secret</b>";</script>after')).toEqual(['before', 'after']);
    expect(pieces('<STYLE>p { color: red }</STYLE>shown<Script>evil()</sCRIPT>too')).toEqual(['shown', 'too']);
    expect(pieces('<style>a</style><p>kept</p><script>b</script>')).toEqual(['kept']);
  });

  it('uses img alt text, on a self-closing tag too, and separates it from the text around it', () => {
    expect(pieces('<img alt="cheap pills">now')).toEqual(['cheap', 'pills', 'now']);
    expect(pieces('buy<img src="x.png" alt="cheap pills"/>now')).toEqual(['buy', 'cheap', 'pills', 'now']);
    expect(pieces("<IMG ALT='single quoted'> <img alt=unquoted>")).toEqual(['single', 'quoted', 'unquoted']);
    expect(pieces('<img alt="caf&eacute; cr&egrave;me" />')).toEqual(['café', 'crème']);
  });

  it('does not take other attributes for text', () => {
    expect(pieces('<a href="http://spam.example/path" title="tooltip">click</a><img src="pic.png"><p class="big">x</p>')).toEqual(['click', 'x']);
  });

  it('drops comments, doctypes and CDATA', () => {
    const text = htmlToText('<!DOCTYPE html><html><!-- hidden words --><body>visible<![CDATA[cdata]]></body></html>');
    expect(text).not.toMatch(/hidden|words|DOCTYPE|html|cdata/i);
    expect(text.split(/\s+/).filter(Boolean)).toEqual(['visible']);
    expect(htmlToText('V<!-- x -->iagra').replace(/\s/g, '')).toBe('Viagra');
  });

  it('keeps the text of a whole document, title included', () => {
    expect(pieces('<html><head><title>Title</title><meta charset="utf-8"></head><body><p>Body text</p></body></html>')).toEqual(['Title', 'Body', 'text']);
  });

  it('tolerates unclosed and broken markup', () => {
    expect(pieces('<div><p>hello <b>world')).toEqual(['hello', 'world']);
    expect(pieces('<b><i>one</b>two</i>three')).toEqual(['one', 'two', 'three']);
    expect(pieces('text <a href="unterminated')).toEqual(['text']);
    expect(pieces('x<!-- unclosed comment')).toEqual(['x']);
    expect(pieces('ok<script>never closed')).toEqual(['ok']);
    expect(pieces('a < b > c')).toEqual(['a', '<', 'b', '>', 'c']);
    expect(htmlToText('')).toBe('');
  });

  it('is linear in deeply nested markup', () => {
    const depth = 100_000;
    const text = htmlToText(`${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}`);
    expect(text.trim()).toBe('deep');
  });
});
