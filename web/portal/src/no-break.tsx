import { Fragment } from 'react';

/** Serial numbers (`54-0562-0293`) and security codes (`XXXX-XXXX-XXXX-XXXX`) in prose. */
const CODE = /\b(?:\d{2}-\d{4}-\d{4}|[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){3})\b/g;

/**
 * Text in which serial numbers and codes never wrap at their dashes (`43-` / `0809-` / `2540`
 * on a phone): each one is kept on one line, the words around it wrap as usual.
 */
export function NoBreak({ text }: { text: string }) {
  const parts: (string | { code: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(CODE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ code: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          <Fragment key={i}>{part}</Fragment>
        ) : (
          <span key={i} className="nowrap">
            {part.code}
          </span>
        ),
      )}
    </>
  );
}
