/**
 * The router's side of the RouterOS API: splitting a sentence into its command, attribute,
 * API-attribute and query words, and evaluating `print` queries the way the manual
 * ("API" → "Queries") specifies them. The byte framing itself (length prefixes) is the
 * shared codec in server/src/vendors/routerosWire.ts, tested there against byte vectors.
 */

export interface Command {
  command: string;
  /** `=name=value` words, including `=.proplist=` and `=.id=`. */
  attributes: Record<string, string>;
  /** `.tag=` and other API attribute words. */
  api: Record<string, string>;
  /** `?…` query words, without the `?`. */
  queries: string[];
}

/** Split a sentence into command, `=attr=value`, `.api=value` and `?query` words. */
export function parseCommand(words: readonly string[]): Command {
  const [command = '', ...rest] = words;
  const cmd: Command = { command, attributes: {}, api: {}, queries: [] };
  for (const w of rest) {
    if (w.startsWith('=')) {
      const i = w.indexOf('=', 1);
      if (i < 0) cmd.attributes[w.slice(1)] = '';
      else cmd.attributes[w.slice(1, i)] = w.slice(i + 1);
    } else if (w.startsWith('.')) {
      const i = w.indexOf('=');
      cmd.api[i < 0 ? w.slice(1) : w.slice(1, i)] = i < 0 ? '' : w.slice(i + 1);
    } else if (w.startsWith('?')) {
      cmd.queries.push(w.slice(1));
    }
  }
  return cmd;
}

/**
 * Every query word form the manual documents:
 *   `name`      pushes true if the item has the property
 *   `-name`     pushes true if it lacks it
 *   `name=x`    and `=name=x` push true if it equals x (two spellings, same meaning)
 *   `<name=x`   less than, `>name=x` greater than (numerically when both are numbers)
 *   `#ops`      applies operations, left to right, to the stack:
 *               `!` negates the top, `&` and `|` pop two and push their and/or,
 *               digits are a stack index (0 = top): followed by another character they
 *               push a copy of that entry, at the end of the word they replace the whole
 *               stack with it; `.` after an index does nothing, after anything else it
 *               pushes a copy of the top.
 * An item matches when every value left on the stack is true. Returns null when a word is
 * malformed (the router answers `!trap` "invalid query").
 */
export function matchesQuery(row: Readonly<Record<string, string>>, queries: readonly string[]): boolean | null {
  let stack: boolean[] = [];
  for (const q of queries) {
    if (q.startsWith('#')) {
      const next = applyOperations(stack, q.slice(1));
      if (!next) return null;
      stack = next;
      continue;
    }
    if (q.startsWith('-')) {
      if (q.length === 1) return null;
      stack.push(row[q.slice(1)] === undefined);
      continue;
    }
    const m = /^([<>=]?)([^=<>]+)(?:=(.*))?$/s.exec(q);
    if (!m) return null;
    const [, op, name, value] = m;
    const actual = row[name!];
    if (op === '' && value === undefined) stack.push(actual !== undefined);
    else if (op === '<') stack.push(actual !== undefined && compare(actual, value ?? '') < 0);
    else if (op === '>') stack.push(actual !== undefined && compare(actual, value ?? '') > 0);
    else stack.push((actual ?? '') === (value ?? ''));
  }
  return stack.every(Boolean);
}

function applyOperations(input: readonly boolean[], ops: string): boolean[] | null {
  const stack = [...input];
  const at = (index: number): boolean | undefined => stack[stack.length - 1 - index];
  let i = 0;
  let afterIndex = false;
  while (i < ops.length) {
    const c = ops[i]!;
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < ops.length && ops[j]! >= '0' && ops[j]! <= '9') j++;
      const value = at(Number(ops.slice(i, j)));
      if (value === undefined) return null;
      if (j === ops.length) return [value];
      stack.push(value);
      i = j;
      afterIndex = true;
      continue;
    }
    if (c === '.') {
      if (!afterIndex) {
        const top = at(0);
        if (top === undefined) return null;
        stack.push(top);
      }
    } else if (c === '!') {
      const top = stack.pop();
      if (top === undefined) return null;
      stack.push(!top);
    } else if (c === '&' || c === '|') {
      const b = stack.pop();
      const a = stack.pop();
      if (a === undefined || b === undefined) return null;
      stack.push(c === '&' ? a && b : a || b);
    } else return null;
    afterIndex = false;
    i++;
  }
  return stack;
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
