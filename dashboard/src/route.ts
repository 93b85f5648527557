// Where the page is, in the URL's hash so that a view can be bookmarked and reloaded:
// #/?window=7d for the fleet, #/vehicles/<id>?window=7d for one vehicle, #/meters/<id>?window=7d for
// one meter (its charger).

export const WINDOWS = { '24h': 24, '7d': 7 * 24, '30d': 30 * 24 } as const;
export type WindowKey = keyof typeof WINDOWS;
const DEFAULT_WINDOW: WindowKey = '24h';

/** At most one of `vehicleId` and `meterId`; neither is the fleet. */
export interface Route {
  vehicleId?: string;
  meterId?: string;
  window: WindowKey;
}

const isWindow = (value: string | null): value is WindowKey => value !== null && Object.hasOwn(WINDOWS, value);

const device = (path: string, kind: 'vehicles' | 'meters'): string | undefined => {
  const match = new RegExp(`^/${kind}/([^/]+)$`).exec(path);
  return match ? decodeURIComponent(match[1]) : undefined;
};

export function currentRoute(hash = location.hash): Route {
  const [path, search = ''] = hash.replace(/^#/, '').split('?', 2);
  const window = new URLSearchParams(search).get('window');
  return {
    vehicleId: device(path, 'vehicles'),
    meterId: device(path, 'meters'),
    window: isWindow(window) ? window : DEFAULT_WINDOW,
  };
}

export function href({ vehicleId, meterId, window }: Route): string {
  const path =
    vehicleId !== undefined
      ? `/vehicles/${encodeURIComponent(vehicleId)}`
      : meterId !== undefined
        ? `/meters/${encodeURIComponent(meterId)}`
        : '/';
  return window === DEFAULT_WINDOW ? `#${path}` : `#${path}?window=${window}`;
}

export const windowLabel = (window: WindowKey): string =>
  ({ '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' })[window];
