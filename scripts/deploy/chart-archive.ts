/**
 * The files of a Helm chart archive (.tgz), read the way Helm's loader reads them (helm v3.18.4
 * pkg/chart/loader/archive.go, LoadArchiveFiles): gzip, then tar; each path loses its first folder
 * (the chart's own), a path Helm refuses (absolute, outside the chart, a drive letter) refuses the
 * whole archive, and so does more than Helm unpacks (5 MiB a file, 100 MiB in all).
 * Tar layout: POSIX ustar headers, with pax (`x`) and GNU long-name (`L`) records for long paths
 * (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06).
 */
import * as path from "node:path";
import { gunzipSync } from "node:zlib";

/** Helm's loader.MaxDecompressedChartSize and MaxDecompressedFileSize. */
const MAX_CHART_BYTES = 100 * 1024 * 1024;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const BLOCK = 512;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** One regular file of the chart. */
export interface ChartFile {
  /** Path inside the chart folder, `/`-separated (`Chart.yaml`, `templates/service.yaml`). */
  readonly path: string;
  /** Content, a leading UTF-8 byte order mark removed (as Helm does). */
  readonly data: Buffer;
  /** Modification time in its tar header. */
  readonly modified: Date;
}

/** Every file of a chart archive, in archive order; throws one line on what Helm would refuse. */
export function chartFiles(archive: Buffer): ChartFile[] {
  const tar = gunzip(archive);
  const files: ChartFile[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end of archive
    const size = octal(header, 124, 12, "size");
    const type = String.fromCharCode(header[156] || 0x30);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (data.length < size) throw new Error("the chart archive is cut short (a tar entry ends early)");
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    // A long path comes in its own record just before the entry it names.
    if (type === "x") longName = paxPath(data) ?? longName;
    if (type === "L") longName = cString(data, 0, data.length);
    if (["x", "g", "L", "K"].includes(type)) continue; // records about other entries
    const name = longName ?? headerName(header);
    longName = undefined;
    if (type === "5" || name.endsWith("/")) continue; // a folder
    if (size > MAX_FILE_BYTES) throw new Error(`${name} in the chart archive is over Helm's 5 MiB a file`);
    const mtime = new Date(octal(header, 136, 12, "mtime") * 1000);
    files.push({ path: chartPath(name), data: withoutBom(data), modified: mtime });
  }
  if (files.length === 0) throw new Error("the chart archive holds no file");
  return files;
}

function gunzip(archive: Buffer): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: MAX_CHART_BYTES });
  } catch (error) {
    const why = error instanceof RangeError ? "it unpacks to over Helm's 100 MiB" : "it is not gzip";
    throw new Error(`not a chart archive (.tgz): ${why}`);
  }
}

/** The entry's path below the chart's folder, refused where Helm's loader refuses it. */
function chartPath(name: string): string {
  // An archive made on Windows may separate with backslashes.
  const separator = name.includes("\\") ? "\\" : "/";
  const [top, ...rest] = name.split(separator);
  if (top === "Chart.yaml") throw new Error("Chart.yaml is not inside the chart's folder in the archive");
  const joined = rest.join("/");
  if (path.posix.isAbsolute(joined)) throw new Error(`the chart archive holds an absolute path (${name})`);
  const clean = path.posix.normalize(joined).replace(/\/$/, "");
  if (clean === "." || clean.startsWith("..")) throw new Error(`the chart archive holds ${name}, outside the chart`);
  if (/^[a-zA-Z]:\//.test(clean)) throw new Error(`the chart archive holds a drive path (${name})`);
  return clean;
}

/** ustar: `prefix/name` when the prefix field is set. */
function headerName(header: Buffer): string {
  const name = cString(header, 0, 100);
  const ustar = header.subarray(257, 262).toString("latin1") === "ustar";
  const prefix = ustar ? cString(header, 345, 155) : "";
  return prefix ? `${prefix}/${name}` : name;
}

/** A pax record set's `path`, if it has one (`<length> path=<value>\n` records). */
function paxPath(data: Buffer): string | undefined {
  let found: string | undefined;
  for (let at = 0; at < data.length;) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString("latin1"));
    if (space < 0 || !Number.isInteger(length) || length <= 0)
      throw new Error("the chart archive has a bad pax record");
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (record.slice(0, equals) === "path") found = record.slice(equals + 1);
    at += length;
  }
  return found;
}

function octal(header: Buffer, start: number, length: number, field: string): number {
  const text = cString(header, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`the chart archive has a tar header whose ${field} is not octal`);
  return text === "" ? 0 : parseInt(text, 8);
}

function cString(buffer: Buffer, start: number, length: number): string {
  const field = buffer.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString("utf8");
}

function withoutBom(data: Buffer): Buffer {
  return data.subarray(0, 3).equals(UTF8_BOM) ? data.subarray(3) : data;
}
