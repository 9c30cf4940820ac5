// Untrusted values in error messages: a short one-line description instead of String(v) or
// JSON.stringify(v), which recurse without limit (a nested array 10⁵ deep overflows the stack)
// and can be megabytes long.

/** The longest description {@link describeValue} returns by default (characters). */
export const DESCRIBE_MAX_CHARS = 60;

/**
 * Describes any value in at most `max` characters (default 60) on one line, for error
 * messages: strings quoted ('relu'), numbers as written, arrays and objects abbreviated
 * ([1, [2, …]], {units: 3, …}). Never throws, never recurses deeper than `max` levels, and
 * reads at most a few entries of an array or object, so it is safe on hostile input.
 */
export function describeValue(v: unknown, max = DESCRIBE_MAX_CHARS): string {
  const limit = Math.max(4, Math.floor(max));
  let s: string;
  try {
    s = render(v, limit + 1);
  } catch {
    // A getter or a proxy that throws: still one clear message.
    return 'an unreadable value';
  }
  return s.length <= limit ? s : `${s.slice(0, limit - 1)}…`;
}

/**
 * A name for a message: as it is when short and plain (letters, digits, `_ . - /`, at most 40
 * characters), else as {@link describeValue} writes it (quoted, cut, escaped).
 */
export function describeName(v: unknown): string {
  return typeof v === 'string' && /^[\w./-]{1,40}$/.test(v) ? v : describeValue(v);
}

/** Renders `v` into about `budget` characters (a longer result is cut by the caller). */
function render(v: unknown, budget: number): string {
  if (budget <= 0) return '…';
  switch (typeof v) {
    case 'string': {
      // JSON quoting escapes newlines and control characters: the message stays on one line.
      const body = JSON.stringify(v.length > budget ? v.slice(0, budget) : v).slice(1, -1);
      return `'${body}${v.length > budget ? '…' : ''}'`;
    }
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(v);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength} bytes)`;
  // A part that exhausts the budget ends the list.
  const parts: string[] = [];
  let used = 2;
  const add = (text: string): boolean => {
    parts.push(text);
    used += text.length + 2;
    return used < budget;
  };
  // Entries left out are marked, so a cut list never reads as a complete one.
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (add(render(v[i], budget - used))) continue;
      if (i < v.length - 1) parts.push('…');
      break;
    }
    return `[${parts.join(', ')}]`;
  }
  // for…in stops early, where Object.keys would first list every key of a huge object.
  const o = v as Record<string, unknown>;
  let full = false;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    if (full) {
      parts.push('…');
      break;
    }
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : render(k, 20);
    full = !add(`${key}: ${render(o[k], budget - used - key.length - 2)}`);
  }
  return `{${parts.join(', ')}}`;
}
