/** The views, by the address's fragment: `#/rejects?account=home`, `#/decisions/42`, … */
export type View = 'activity' | 'rejects' | 'rules' | 'stats' | 'settings' | 'accounts';

export interface Route {
  view: View;
  /** A decision to open (`#/decisions/<id>`). */
  decision?: number;
  account?: string;
}

const VIEWS: readonly View[] = ['activity', 'rejects', 'rules', 'stats', 'settings', 'accounts'];

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const account = new URLSearchParams(query).get('account') ?? undefined;
  const [head, id] = path.split('/');
  const base = account ? { account } : {};
  // The desktop app's notifications open decisions (the Activity view) by these names.
  if (head === 'decisions') return { view: 'activity', ...base, ...(id && /^\d+$/.test(id) ? { decision: Number(id) } : {}) };
  return { view: VIEWS.includes(head as View) ? (head as View) : 'activity', ...base };
}
