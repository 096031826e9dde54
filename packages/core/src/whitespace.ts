/**
 * The whitespace that parsers of pasted text, relay addresses (EMP §2) and
 * invitation links (graph-chat §2.3), ignore around it: space U+0020, tab
 * U+0009, line feed U+000A and carriage return U+000D, and no other
 * character. A named ASCII set rather than String.prototype.trim()'s, which
 * also removes U+000B, U+000C, U+00A0, U+FEFF, U+2028, U+2029 and every
 * Unicode space separator: languages disagree on that larger set (Go's
 * strings.TrimSpace keeps U+FEFF and removes U+0085), and every
 * implementation must accept the same text.
 */

/** Whether `code` (a UTF-16 code unit) is one of the four characters above. */
function isLinkWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** `text` without the space, tab, LF and CR characters at its start and end. */
export function trimLinkWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isLinkWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isLinkWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
