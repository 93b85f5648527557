// Where the page is, in the URL's hash so that a view can be bookmarked and reloaded:
// #/?window=7d for the fleet, #/vehicles/<id>?window=7d for one vehicle.

export const WINDOWS = { '24h': 24, '7d': 7 * 24, '30d': 30 * 24 } as const;
export type WindowKey = keyof typeof WINDOWS;
const DEFAULT_WINDOW: WindowKey = '24h';

export interface Route {
  vehicleId?: string;
  window: WindowKey;
}

const isWindow = (value: string | null): value is WindowKey => value !== null && Object.hasOwn(WINDOWS, value);

export function currentRoute(hash = location.hash): Route {
  const [path, search = ''] = hash.replace(/^#/, '').split('?', 2);
  const window = new URLSearchParams(search).get('window');
  const vehicle = /^\/vehicles\/([^/]+)$/.exec(path);
  return {
    vehicleId: vehicle ? decodeURIComponent(vehicle[1]) : undefined,
    window: isWindow(window) ? window : DEFAULT_WINDOW,
  };
}

export function href({ vehicleId, window }: Route): string {
  const path = vehicleId === undefined ? '/' : `/vehicles/${encodeURIComponent(vehicleId)}`;
  return window === DEFAULT_WINDOW ? `#${path}` : `#${path}?window=${window}`;
}

export const windowLabel = (window: WindowKey): string =>
  ({ '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' })[window];
