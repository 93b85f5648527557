import type { RegistryMode } from '../config/config';
import type { DeviceKind, Principal, RegisteredDevice } from './auth.cache';

/** Why a write for a device was refused, as counted in fleet_auth_refused_total. */
export interface WriteRefusal {
  reason: 'scope' | 'unregistered' | 'decommissioned';
  /** For the problem's detail: names the device and says what would be allowed. */
  message: string;
}

/** What a caller may write for, judged device by device from memory: no database round trip. */
export interface DeviceGate {
  /** Why this caller may not write readings of this device; undefined when it may. */
  reading(kind: DeviceKind, id: string): WriteRefusal | undefined;
  /**
   * Why this caller may not open a session of this vehicle on this meter (or, without a vehicle, end
   * one on this meter); undefined when it may.
   */
  session(meterId: string, vehicleId?: string): WriteRefusal | undefined;
}

/** "meter m-1", or "the 12 devices of its scope". */
function scopeText(scope: ReadonlyMap<string, DeviceKind>): string {
  if (scope.size !== 1) return `the ${scope.size} devices of its scope`;
  const [[id, kind]] = scope;
  return `${kind} ${id}`;
}

const refusedFor = (message: string): WriteRefusal => ({ reason: 'scope', message });

/** Who is refused: a device credential is named by what it is, a gateway key by its holder. */
const who = (principal: Principal) =>
  principal.credential === 'device' ? 'this credential' : `the key "${principal.name}"`;

/**
 * A scoped caller (a device credential, a gateway key) writes for the active devices of its scope and no
 * other. A fleet-wide caller writes for any device but a retired one, and, with DEVICE_REGISTRY=required,
 * only for registered ones of the kind the reading claims. A meter and a vehicle may share an id in the
 * readings, as they did before the registry, so a retirement stops only the kind that was registered.
 */
export function deviceGate(
  principal: Principal | undefined,
  registry: ReadonlyMap<string, RegisteredDevice>,
  mode: RegistryMode,
  counted: (refusal: WriteRefusal) => WriteRefusal,
): DeviceGate {
  const scope = principal?.scope;
  const judge = (kind: DeviceKind, id: string): WriteRefusal | undefined => {
    if (principal && scope) {
      if (scope.get(id) === kind) return undefined;
      return refusedFor(`${who(principal)} writes readings of ${scopeText(scope)} only`);
    }
    const device = registry.get(id);
    if (device?.kind === kind && device.retired) {
      return { reason: 'decommissioned', message: `${kind} ${id} is decommissioned; reinstate it to write for it` };
    }
    if (mode === 'required' && device?.kind !== kind) {
      return {
        reason: 'unregistered',
        message: `${kind} ${id} is not registered, and DEVICE_REGISTRY=required takes readings of registered devices only`,
      };
    }
    return undefined;
  };
  return {
    reading(kind, id) {
      const refusal = judge(kind, id);
      return refusal && counted(refusal);
    },
    session(meterId, vehicleId) {
      if (!principal || !scope) return undefined;
      if (scope.get(meterId) !== 'meter') {
        return counted(refusedFor(`${who(principal)} records sessions on the meters of its scope only`));
      }
      // Vans charge at other depots' chargers too, so the vehicle need not be in the scope; but it must
      // be a vehicle of the fleet, so that a charging system cannot book sessions for ids it makes up.
      const vehicle = vehicleId === undefined ? undefined : registry.get(vehicleId);
      if (vehicleId !== undefined && (vehicle?.kind !== 'vehicle' || vehicle.retired)) {
        return counted(
          refusedFor(
            `${who(principal)} records sessions of registered, active vehicles only, and ${vehicleId} is not one`,
          ),
        );
      }
      return undefined;
    },
  };
}
