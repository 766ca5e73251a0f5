// The one-file container of a model bundle (.gdmodel): a JSON header and the bytes of the files it
// names, behind a checksum of everything that follows it.
//
//   GRADEDESK-BUNDLE <format version>\n
//   sha256 <64 hex digits: SHA-256 of every byte after this line>\n
//   <header JSON on one line: { "manifest": …, "files": [{ "path", "bytes" }, …] }>\n
//   <the files' bytes, one after another, in the header's order>
//
// The checksum finds a damaged or altered copy; it is not a signature (anyone can make a bundle).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GradedeskError, invalid } from '../../../../shared/errors';

export const BUNDLE_FORMAT_VERSION = 1;
const MAGIC = 'GRADEDESK-BUNDLE';
/** The two header lines are short; a file whose first bytes hold no such lines is no bundle. */
const PREAMBLE_LIMIT = 256;

export interface BundleEntry {
  /** A relative path with forward slashes, e.g. `model-1/fold-0/weights.bin`. */
  path: string;
  data: Buffer;
}

const headerSchema = z.object({
  manifest: z.unknown(),
  files: z.array(z.object({ path: z.string().min(1).max(512), bytes: z.number().int().nonnegative() }).strict()),
}).strict();

/** Writes the bundle beside `file` and renames it into place, so a failed write leaves no half bundle. */
export function writeBundle(file: string, manifest: unknown, entries: readonly BundleEntry[]): { bytes: number; sha256: string } {
  for (const entry of entries) checkEntryPath(entry.path);
  const header = Buffer.from(`${JSON.stringify({ manifest, files: entries.map((e) => ({ path: e.path, bytes: e.data.length })) })}\n`);
  const hash = createHash('sha256').update(header);
  for (const entry of entries) hash.update(entry.data);
  const sha256 = hash.digest('hex');
  const preamble = Buffer.from(`${MAGIC} ${BUNDLE_FORMAT_VERSION}\nsha256 ${sha256}\n`);
  const partial = `${file}.partial`;
  const handle = fs.openSync(partial, 'w');
  let bytes = 0;
  try {
    for (const chunk of [preamble, header, ...entries.map((e) => e.data)]) {
      fs.writeSync(handle, chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    fs.closeSync(handle);
    fs.rmSync(partial, { force: true });
    throw error;
  }
  fs.closeSync(handle);
  fs.renameSync(partial, file);
  return { bytes, sha256 };
}

export interface OpenedBundle {
  manifest: unknown;
  /** The checksum written in the bundle, which its content was found to match. */
  sha256: string;
  paths: string[];
  read(entryPath: string): Buffer;
}

/**
 * Reads a bundle whole and checks it: what it is, its format version, its length and its checksum, in
 * that order, each refused with its own sentence.
 */
export function readBundle(file: string): OpenedBundle {
  const name = path.basename(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GradedeskError('not-found', `There is no file "${file}".`);
    if (code === 'EISDIR') throw invalid(`"${file}" is a folder, not a model bundle.`);
    throw invalid(`The model bundle "${file}" could not be read (${code ?? (error as Error).message}).`);
  }
  const notBundle = () => invalid(`"${name}" is not a Gradedesk model bundle.`);
  const firstLineEnd = bytes.indexOf(0x0a);
  if (firstLineEnd < 0 || firstLineEnd > PREAMBLE_LIMIT) throw notBundle();
  const first = /^GRADEDESK-BUNDLE (\d+)$/.exec(bytes.subarray(0, firstLineEnd).toString('latin1'));
  if (!first) throw notBundle();
  const version = Number(first[1]);
  if (version > BUNDLE_FORMAT_VERSION) {
    throw new GradedeskError('unsupported', `"${name}" was made by a newer Gradedesk (bundle format ${version}; this version reads format ${BUNDLE_FORMAT_VERSION}). Update Gradedesk to import it.`);
  }
  if (version !== BUNDLE_FORMAT_VERSION) throw notBundle();
  const secondLineEnd = bytes.indexOf(0x0a, firstLineEnd + 1);
  const second = secondLineEnd < 0 ? null : /^sha256 ([0-9a-f]{64})$/.exec(bytes.subarray(firstLineEnd + 1, secondLineEnd).toString('latin1'));
  if (!second) throw damagedBundle(name);
  const content = bytes.subarray(secondLineEnd + 1);
  const headerEnd = content.indexOf(0x0a);
  const header = headerEnd < 0 ? null : parseHeader(content.subarray(0, headerEnd));
  if (header) {
    // A header that still reads says how long the bundle should be: a shorter one was cut off.
    const expected = headerEnd + 1 + header.files.reduce((sum, f) => sum + f.bytes, 0);
    if (content.length < expected) {
      throw invalid(`"${name}" is incomplete: it holds ${content.length} of the ${expected} bytes it should (was the copy cut short?). Ask for a complete copy.`);
    }
  }
  if (createHash('sha256').update(content).digest('hex') !== second[1]) throw damagedBundle(name);
  if (!header) throw damagedBundle(name);
  const offsets = new Map<string, { start: number; end: number }>();
  let offset = headerEnd + 1;
  for (const entry of header.files) {
    checkEntryPath(entry.path);
    offsets.set(entry.path, { start: offset, end: (offset += entry.bytes) });
  }
  if (offset !== content.length) throw damagedBundle(name);
  return {
    manifest: header.manifest,
    sha256: second[1]!,
    paths: header.files.map((f) => f.path),
    read(entryPath) {
      const at = offsets.get(entryPath);
      if (!at) throw invalid(`"${name}" lacks the file ${entryPath} its manifest names.`);
      return content.subarray(at.start, at.end);
    },
  };
}

const damagedBundle = (name: string) =>
  invalid(`"${name}" was altered or damaged after it was made: its checksum does not match its content. Ask for a fresh copy of the bundle.`);

function parseHeader(line: Buffer): z.infer<typeof headerSchema> | null {
  try {
    const parsed = headerSchema.safeParse(JSON.parse(line.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Entry paths become paths under a data directory on import: plain relative names only. */
function checkEntryPath(entryPath: string): void {
  const parts = entryPath.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..' || !/^[A-Za-z0-9._-]+$/.test(part))) {
    throw invalid(`The bundle names a file "${entryPath}" that is not a plain relative path.`);
  }
}
