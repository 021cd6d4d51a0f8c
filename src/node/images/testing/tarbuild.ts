// Builds small layer tars in memory for tests (tar-stream's packer).

import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(1_700_000_000_000),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      linkname: e.linkname,
      devmajor: e.devmajor,
      devminor: e.devminor,
      ...(e.pax ? { pax: e.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (body) pack.entry({ ...header, size: body.length }, body, (err) => (err ? reject(err) : resolve()));
      else pack.entry({ ...header, size: 0 }, (err) => (err ? reject(err) : resolve())).end(undefined as unknown as Buffer);
    });
  }
  pack.finalize();
  return done;
}
