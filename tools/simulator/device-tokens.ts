import type { FleetDevice } from './fleet-model';
import { list } from './report';
import type { SimulatorClient } from './simulator.client';

// POST /v1/devices/import takes at most this many devices a request.
const IMPORT_CHUNK = 1_000;

export interface DeviceTokens {
  /** Device id → its token: kept in memory, for the client, and never printed. */
  tokens: Map<string, string>;
  /** Devices the import registered, the rest having been registered before. */
  registered: number;
  /** For stderr, once: why some or all readings go with the simulator's key instead. */
  notice?: string;
}

/**
 * Registers the fleet and gets every device a fresh token. A failed chunk means every reading goes with
 * the key, as before device tokens: a key that is not admin is refused the import (403), and a service
 * without the endpoint answers 404.
 */
export async function issueDeviceTokens(client: SimulatorClient, devices: FleetDevice[]): Promise<DeviceTokens> {
  const tokens = new Map<string, string>();
  const untokened: string[] = [];
  let registered = 0;
  for (let from = 0; from < devices.length; from += IMPORT_CHUNK) {
    const answer = await client.importDevices(devices.slice(from, from + IMPORT_CHUNK));
    if (!answer.ok) {
      const why = answer.status === '403' ? 'the key is not an admin key' : 'the fleet could not be imported';
      return {
        tokens: new Map(),
        registered,
        notice:
          `Device tokens: ${why} (POST /v1/devices/import answered ${answer.status}: ${answer.detail}), ` +
          'so every reading goes with the key',
      };
    }
    registered += answer.body.registered;
    for (const device of answer.body.devices) {
      if (device.credential) tokens.set(device.id, device.credential.token);
      else untokened.push(`${device.id} (${device.error ?? device.state})`);
    }
  }
  if (untokened.length === 0) return { tokens, registered };
  return {
    tokens,
    registered,
    notice: `Device tokens: ${untokened.length} devices got none, so their readings go with the key: ${list(untokened)}`,
  };
}
