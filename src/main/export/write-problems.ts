import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import { storageFailure } from '../store/failures';

/** Why a file or folder cannot be written, in words, by the file system's error code. */
const WRITE_PROBLEMS: Record<string, string> = {
  EACCES: 'permission is denied',
  EPERM: 'permission is denied',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'a folder is in the way',
  ENAMETOOLONG: 'a name in the path is too long',
  ENOENT: 'part of the path does not exist',
};

export const errorCode = (error: unknown) => String((error as NodeJS.ErrnoException).code ?? 'an unknown error');

/** The reason a write failed, for a sentence: "… could not be written to X: <reason>." */
export const writeProblem = (code: string) => WRITE_PROBLEMS[code] ?? `the file system said ${code}`;

/**
 * An export's failed write, in words: a full or read-only disk as everywhere else, any other problem
 * with the path in its own ("The labels could not be written to "…": part of the path does not exist.").
 */
export const writeFailure = (error: unknown, what: string, target: string): GradedeskError =>
  storageFailure(error) ?? new GradedeskError('invalid', `${what} could not be written to "${target}": ${writeProblem(errorCode(error))}.`);

/** Writes an export's file; answers its absolute path. `what` names it in the error. */
export function writeExportFile(file: string, content: string | Buffer, what: string): string {
  const written = path.resolve(file);
  try {
    fs.writeFileSync(written, content);
  } catch (error) {
    throw writeFailure(error, what, written);
  }
  return written;
}
