import { APP_URL } from './security.ts';

/** The renderer views the tray and notifications open, as the renderer's hash routes. */
export type View = { view: 'rejects' | 'decisions'; account?: string } | { view: 'decision'; id: number } | { view: 'accounts' };

export function viewUrl(target: View): string {
  switch (target.view) {
    case 'rejects':
    case 'decisions':
      return `${APP_URL}#/${target.view}${target.account === undefined ? '' : `?account=${encodeURIComponent(target.account)}`}`;
    case 'decision':
      return `${APP_URL}#/decisions/${target.id}`;
    case 'accounts':
      return `${APP_URL}#/accounts`;
  }
}
