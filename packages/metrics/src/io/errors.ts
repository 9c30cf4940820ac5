// File-system failures in words: one vocabulary for every message that names a path.

/** The reason a file-system call failed, in a few words ('disk full', 'read-only file system'…). */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'disk full (no space left on the device)';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'already exists';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return err?.message ?? String(e);
  }
}
