/**
 * Lines of code of a TypeScript or C source: lines holding something
 * besides blank space and comments. Enough for our own sources (a comment
 * marker inside a string literal would fool it; ours have none).
 */
export function linesOfCode(source: string): number {
  let count = 0;
  let inBlock = false;
  for (const line of source.split('\n')) {
    let code = '';
    for (let i = 0; i < line.length; ) {
      if (inBlock) {
        const close = line.indexOf('*/', i);
        if (close < 0) break;
        inBlock = false;
        i = close + 2;
      } else if (line.startsWith('/*', i)) {
        inBlock = true;
        i += 2;
      } else if (line.startsWith('//', i)) break;
      else code += line[i++];
    }
    if (code.trim() !== '') count++;
  }
  return count;
}
