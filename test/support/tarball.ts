// SPDX-License-Identifier: Apache-2.0
// npm tarballs for the scripts that fetch packages from the registry (the Lambda packager's native
// snappy, the Node 22 runner), built in memory.
import { gzipSync } from 'node:zlib';

/** A one-file tar.gz as npm packs it: the file under package/. */
export function tarball(path: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(path, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, data, padding, Buffer.alloc(1024)]));
}
