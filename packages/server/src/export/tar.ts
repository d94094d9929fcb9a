/**
 * A minimal POSIX ustar writer: regular files only, names up to 100 ASCII characters. Enough for export archives,
 * which `tar -xf` and every archive tool read, without a dependency.
 */
export interface TarEntry {
  name: string;
  data: Uint8Array | string;
  /** Modification time, epoch ms. */
  mtime?: number;
}

const BLOCK = 512;

export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (!/^[\x21-\x7e][\x20-\x7e]{0,99}$/.test(e.name) || e.name.includes('..')) throw new RangeError(`tar entry name not allowed: ${e.name}`);
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data);
    const header = Buffer.alloc(BLOCK);
    header.write(e.name, 0, 100, 'ascii');
    octal(header, 100, 8, 0o644);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, data.length);
    octal(header, 136, 12, Math.floor((e.mtime ?? Date.now()) / 1000));
    header.fill(0x20, 148, 156); // the checksum counts its own field as spaces
    header.write('0', 156, 1, 'ascii');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    header.write('metaoffice', 265, 32, 'ascii');
    header.write('metaoffice', 297, 32, 'ascii');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    parts.push(header, data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** Reads what `tar` wrote (regular files only); used by tests and by anyone checking an export. */
export function untar(archive: Uint8Array): Map<string, Buffer> {
  const buf = Buffer.from(archive);
  const out = new Map<string, Buffer>();
  for (let o = 0; o + BLOCK <= buf.length; ) {
    const header = buf.subarray(o, o + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = header.toString('ascii', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    o += BLOCK;
    out.set(name, buf.subarray(o, o + size));
    o += Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
