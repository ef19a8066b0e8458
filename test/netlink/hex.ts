/** Hex dumps written down by hand in tests: whitespace, `|` separators and `# comments` ignored. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/#[^\n]*/g, '').replace(/[\s|]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${clean}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** ASCII text as hex, NUL-terminated and zero-padded to 4 bytes (a string attribute's value). */
export function asciiz(s: string): string {
  const bytes = [...Buffer.from(s, 'ascii'), 0];
  while (bytes.length % 4) bytes.push(0);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
