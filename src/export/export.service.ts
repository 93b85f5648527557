import type { Writable } from 'node:stream';
import type { SeriesRepository, Window } from '../analytics/analytics.public';
import { NotFoundError, ServiceUnavailableError } from '../errors/problem';
import { encodeReadingsCursor, type ReadingsPageQuery } from './export.dto';
import type { ExportRepository, ReadingDevice } from './export.repository';
import { ExportSlots, type ExportSlotLimits } from './export.slots';
import type {
  ExportedMeterReading,
  ExportedVehicleReading,
  MeterReadingsPage,
  VehicleReadingsPage,
} from './export.responses';

export interface ExportOptions extends ExportSlotLimits {
  /** The statement timeout of one CSV export, in place of the pool's; 0 = none. */
  statementTimeoutMs: number;
  /** A CSV client that reads nothing for this long is dropped, and its COPY cancelled. */
  idleTimeoutMs: number;
}

/** Streams a whole export into a sink; settles when the database is done with it. */
export type CsvWriter = (sink: Writable) => Promise<void>;

interface Page<Row> {
  periodStart: string;
  periodEnd: string;
  readings: Row[];
  nextCursor: string | null;
}

const notFound = (device: ReadingDevice, id: string) =>
  new NotFoundError(`${device === 'vehicle' ? 'Vehicle' : 'Meter'} ${id} has never reported.`);

export class ExportService {
  private readonly slots: ExportSlots;
  /** The responses CSV exports are streaming into, so that a stopping service can end them. */
  private readonly sinks = new Set<Writable>();
  private ending = false;

  constructor(
    private readonly repository: ExportRepository,
    /** Whether a device ever reported, live or in history: the rule analytics answers 404 by. */
    private readonly devices: Pick<SeriesRepository, 'seen'>,
    private readonly options: ExportOptions,
  ) {
    this.slots = new ExportSlots(options);
  }

  async vehiclePage(vehicleId: string, query: ReadingsPageQuery): Promise<VehicleReadingsPage> {
    return { vehicleId, ...(await this.page<ExportedVehicleReading>('vehicle', vehicleId, query)) };
  }

  async meterPage(meterId: string, query: ReadingsPageQuery): Promise<MeterReadingsPage> {
    return { meterId, ...(await this.page<ExportedMeterReading>('meter', meterId, query)) };
  }

  /**
   * Takes one of the export slots of `caller` (an API key or a client address) before asking the
   * database anything, and refuses a device that never reported before anything is sent. The writer
   * then streams the whole window, and gives the slot back once the database is done with it; it
   * must be called.
   */
  async csv(device: ReadingDevice, id: string, window: Window, caller: string): Promise<CsvWriter> {
    if (this.ending) throw new ServiceUnavailableError('The service is stopping; retry on another replica or shortly.');
    const release = this.slots.take(caller);
    await this.known(device, id).catch((error: unknown) => {
      release();
      throw error;
    });
    const limits = { timeoutMs: this.options.statementTimeoutMs, idleMs: this.options.idleTimeoutMs };
    return (sink) => {
      // A request that was still looking the device up when the service began to stop starts nothing.
      if (this.ending) sink.destroy();
      this.sinks.add(sink);
      return this.repository.copyCsv(device, id, window, limits, sink).finally(() => {
        this.sinks.delete(sink);
        release();
      });
    };
  }

  /**
   * Cuts every running export short, for a service that is stopping: an export lasts as long as its
   * client reads, longer than any drain may wait. Each client sees its download end incomplete, and
   * each COPY is cancelled and its connection returned, so the pools can close after them.
   */
  endExports(): void {
    this.ending = true;
    for (const sink of this.sinks) sink.destroy();
  }

  /** What a CSV export would answer before its first row, without running it. */
  async known(device: ReadingDevice, id: string): Promise<void> {
    if (!(await this.devices.seen(device, id))) throw notFound(device, id);
  }

  private async page<Row extends { timestamp: string }>(
    device: ReadingDevice,
    id: string,
    { window, limit, after }: ReadingsPageQuery,
  ): Promise<Page<Row>> {
    // One row more than the page tells whether another page follows.
    const rows = await this.repository.page<Row>(device, id, window, after, limit + 1);
    // A device with readings has been seen, and a cursor is only issued for one that has.
    if (rows.length === 0 && after === undefined && !(await this.devices.seen(device, id))) throw notFound(device, id);
    const readings = rows.slice(0, limit);
    return {
      periodStart: window.from.toISOString(),
      periodEnd: window.to.toISOString(),
      readings,
      nextCursor:
        rows.length > limit ? encodeReadingsCursor(id, window, readings[readings.length - 1].timestamp) : null,
    };
  }
}
