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
