/**
 * Folder roles: which mailbox of an account plays which part. The server's special-use
 * attributes (RFC 6154) come first, then the names mail clients commonly use, then the
 * user's overrides, which always win.
 */

export type FolderRole = 'inbox' | 'rejects' | 'junk' | 'sent' | 'trash' | 'archive' | 'drafts';

export const FOLDER_ROLES: readonly FolderRole[] = ['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts'];

export interface Folder {
  /** Full path, as used in IMAP commands (e.g. `INBOX/Junk`). */
  path: string;
  /** The last part of the path. */
  name: string;
  /** Hierarchy delimiter, e.g. `/` or `.`. */
  delimiter: string;
  /** The special-use attribute the server announced, e.g. `\Junk`. */
  specialUse?: string;
  /** A name in the hierarchy only, holding no mail (\Noselect, RFC 3501 section 7.2.2). */
  noselect?: true;
}

const SPECIAL_USE: Partial<Record<string, FolderRole>> = {
  '\\junk': 'junk',
  '\\sent': 'sent',
  '\\trash': 'trash',
  '\\archive': 'archive',
  '\\drafts': 'drafts',
};

/** Common names, in order of preference, compared case-insensitively with the folder's name and path. */
const NAMES: Partial<Record<FolderRole, string[]>> = {
  rejects: ['Rejects'],
  junk: ['Junk', 'Spam', 'Junk E-mail', 'Junk Email', 'Bulk Mail'],
  sent: ['Sent', 'Sent Items', 'Sent Messages', 'Sent Mail'],
  trash: ['Trash', 'Deleted Items', 'Deleted Messages', 'Bin'],
  archive: ['Archive', 'Archives'],
  drafts: ['Drafts', 'Draft'],
};

/**
 * The path of the folder of each role that can be found: INBOX always; a role from the server's
 * special-use attribute; otherwise from a common name (a top-level folder, or one directly below
 * INBOX, is preferred over a deeper one); `rejects` only by name. `overrides` (role -> path) win.
 */
export function folderRoles(folders: Folder[], overrides: Partial<Record<FolderRole, string>> = {}): Partial<Record<FolderRole, string>> {
  const roles: Partial<Record<FolderRole, string>> = {};
  const inbox = folders.find((f) => f.path.toUpperCase() === 'INBOX');
  roles.inbox = inbox?.path ?? 'INBOX';

  for (const folder of folders) {
    const role = folder.specialUse ? SPECIAL_USE[folder.specialUse.toLowerCase()] : undefined;
    if (role && roles[role] === undefined) roles[role] = folder.path;
  }

  for (const [role, names] of Object.entries(NAMES) as [FolderRole, string[]][]) {
    if (roles[role] !== undefined) continue;
    for (const name of names) {
      const wanted = name.toLowerCase();
      const matches = folders.filter((f) => f.name.toLowerCase() === wanted || f.path.toLowerCase() === wanted);
      const best = matches.sort((a, b) => depth(a) - depth(b))[0];
      if (best) {
        roles[role] = best.path;
        break;
      }
    }
  }

  for (const [role, path] of Object.entries(overrides) as [FolderRole, string | undefined][]) {
    if (path !== undefined && path !== '') roles[role] = path;
  }
  return roles;
}

/** How deep a folder sits; a folder directly below INBOX counts as top level (Courier/Cyrus style). */
function depth(folder: Folder): number {
  if (!folder.delimiter) return 0;
  const parts = folder.path.split(folder.delimiter);
  if (parts[0]?.toUpperCase() === 'INBOX' && parts.length > 1) parts.shift();
  return parts.length - 1;
}
