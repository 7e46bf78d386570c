/**
 * Tiny Helm chart archives built in the test: a gzip of a POSIX ustar archive, the layout `helm
 * package` writes (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06),
 * with a pax `path` record before an entry whose path is longer than ustar's 100-byte name field.
 */
import { gzipSync } from "node:zlib";

/** One entry of the archive. */
export interface ArchiveEntry {
  /** Path in the archive, the chart's folder included (`metrics-server/Chart.yaml`). */
  readonly path: string;
  readonly content?: string;
  /** Seconds since the epoch. @default 1767225600 (2026-01-01T00:00:00Z) */
  readonly mtime?: number;
  /** `5` for a folder. @default "0" */
  readonly type?: "0" | "5";
}

export const DEFAULT_MTIME = 1767225600;
const BLOCK = 512;

/** A .tgz of the entries, in order. */
export function tgz(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.content ?? "", "utf8");
    if (Buffer.byteLength(entry.path) > 100) {
      const record = paxRecord("path", entry.path);
      blocks.push(header("PaxHeader", record.length, "x", entry.mtime), padded(record));
      // The ustar name field keeps only the first 100 bytes: readers must take the pax path.
      blocks.push(header(entry.path.slice(0, 100), data.length, entry.type ?? "0", entry.mtime), padded(data));
    } else {
      blocks.push(header(entry.path, data.length, entry.type ?? "0", entry.mtime), padded(data));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

/** A chart folder with a Chart.yaml (and a template, as real charts have). */
export function chartTgz(name: string, chartYaml: string, extra: readonly ArchiveEntry[] = []): Buffer {
  return tgz([
    { path: `${name}/Chart.yaml`, content: chartYaml },
    { path: `${name}/values.yaml`, content: "replicas: 1\n" },
    { path: `${name}/templates/service.yaml`, content: "apiVersion: v1\nkind: Service\n" },
    ...extra,
  ]);
}

function header(name: string, size: number, type: string, mtime = DEFAULT_MTIME): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  h.write(`${mtime.toString(8).padStart(11, "0")}\0`, 136, "latin1");
  h.write("        ", 148, "latin1");
  h.write(type, 156, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  const checksum = h.reduce((sum, byte) => sum + byte, 0);
  h.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return h;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

/** `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return Buffer.from(`${length}${body}`, "utf8");
}
