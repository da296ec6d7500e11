import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateFile, ensurePrivateFolder, tightenFile } from '../../../file-modes.ts';

/**
 * Before better-sqlite3 opens `file`: creates it empty with mode 0600 (SQLite takes an empty
 * file for an empty database), so SQLite never creates it 0644 itself. SQLite's unix VFS gives
 * the -wal and -shm files the mode of the database file, so they follow; `afterOpen` tightens
 * ones left by an older version. A folder it has to create is 0700; an existing one given by a
 * sqlite: URL is not changed (it may be shared; the data folder is tightened by the cloud).
 */
export function beforeOpen(file: string): void {
  if (!existsSync(dirname(file))) ensurePrivateFolder(dirname(file));
  ensurePrivateFile(file);
}

export function afterOpen(file: string): void {
  tightenFile(`${file}-wal`);
  tightenFile(`${file}-shm`);
}
