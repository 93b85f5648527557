/**
 * Tags the text of a statement. The indentation it has in the TypeScript source is removed, and a
 * multi-line fragment placed inside it takes the indentation of the line it is placed on, so a
 * statement composed of fragments reads as if written out whole: in logs, in EXPLAIN output and in
 * the snapshots under sql/. Only for statement text; values always travel as parameters.
 */
export function sql(strings: TemplateStringsArray, ...fragments: Array<string | number>): string {
  let text = strings[0];
  fragments.forEach((fragment, index) => {
    const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n') + 1))?.[0] ?? '';
    text += String(fragment).split('\n').join(`\n${indent}`) + strings[index + 1];
  });
  return dedent(text);
}

/** A first line that starts right after the backtick has no indentation, so it does not count. */
function dedent(text: string): string {
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines[0] === '') lines.shift();
  while (lines.at(-1) === '') lines.pop();
  const indents = lines
    .filter((line, index) => line !== '' && (index > 0 || /^\s/.test(line)))
    .map((line) => line.length - line.trimStart().length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => (/^\s/.test(line) ? line.slice(common) : line)).join('\n');
}
