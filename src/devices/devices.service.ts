import { ConflictError, NotFoundError } from '../errors/problem';
import { paged } from '../live/live.public';
import type { DeviceChange, DeviceRegistryQuery, NewDevice } from './devices.dto';
import type { DeviceRepository, DeviceRow } from './devices.repository';
import type { DevicePage, DeviceView } from './devices.responses';

function view(row: DeviceRow): DeviceView {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    reportingIntervalSeconds: row.reportingIntervalSeconds,
    state: row.decommissionedAt === null ? 'active' : 'decommissioned',
    createdAt: row.createdAt.toISOString(),
    decommissionedAt: row.decommissionedAt?.toISOString() ?? null,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    dataQuality: row.dataQuality,
  };
}

const notRegistered = (id: string) => new NotFoundError(`No device ${id} is registered.`);

/**
 * The device registry: which meters and vehicles the fleet has, what they are called, how often they
 * report, which are retired.
 */
export class DeviceService {
  /**
   * `accessChanged` tells this process's key cache at once of every change: the cache holds the registry
   * readings are checked against, and retiring a device revokes its credentials.
   */
  constructor(
    private readonly repository: DeviceRepository,
    private readonly accessChanged: () => void,
  ) {}

  async list(query: DeviceRegistryQuery): Promise<DevicePage> {
    const { page, nextCursor } = paged(await this.repository.list(query), query.limit, (row) => row.id);
    return { devices: page.map(view), nextCursor };
  }

  async get(id: string): Promise<DeviceView> {
    const row = await this.repository.find(id);
    if (!row) throw notRegistered(id);
    return view(row);
  }

  async register(device: NewDevice): Promise<DeviceView> {
    const row = await this.repository.insert(device);
    if (row) {
      this.accessChanged();
      return view(row);
    }
    const existing = await this.repository.find(device.id);
    throw new ConflictError(`Device ${device.id} is already registered, as a ${existing?.kind ?? device.kind}.`);
  }

  async change(id: string, change: DeviceChange): Promise<DeviceView> {
    const row = await this.repository.change(id, change);
    // A label or a reporting interval decides nothing about access: only a change of state makes the
    // keys be read again.
    if (change.state !== undefined) this.accessChanged();
    if (!row) throw notRegistered(id);
    return view(row);
  }
}
