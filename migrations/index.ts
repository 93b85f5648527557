import { CreateTelemetryTables1764320000000 } from './1764320000000-CreateTelemetryTables';
import { CreateChargingSessions1764330000000 } from './1764330000000-CreateChargingSessions';
import { CoverAnalyticsReads1764340000000 } from './1764340000000-CoverAnalyticsReads';
import { CreateApiKeys1764355000000 } from './1764355000000-CreateApiKeys';
import { PartitionHistoryByTime1764400000000 } from './1764400000000-PartitionHistoryByTime';
import { OneVehiclePerMeter1764410000000 } from './1764410000000-OneVehiclePerMeter';
import { BoundReadings1764420000000 } from './1764420000000-BoundReadings';
import { HourlyRollups1764430000000 } from './1764430000000-HourlyRollups';
import { SealedRollups1764435000000 } from './1764435000000-SealedRollups';
import { SessionTotals1764440000000 } from './1764440000000-SessionTotals';
import { StreamFollow1764450000000 } from './1764450000000-StreamFollow';
import { HistoryBoundsFollowBuckets1764460000000 } from './1764460000000-HistoryBoundsFollowBuckets';
import { SessionsByDeviceAndEnd1764461000000 } from './1764461000000-SessionsByDeviceAndEnd';
import { DeviceRegistry1764470000000 } from './1764470000000-DeviceRegistry';
import { AccessVersion1764471000000 } from './1764471000000-AccessVersion';
import { DeviceCredentials1764472000000 } from './1764472000000-DeviceCredentials';
import { GatewayKeys1764473000000 } from './1764473000000-GatewayKeys';
import { QuietRegistryEdits1764474000000 } from './1764474000000-QuietRegistryEdits';
import { ReadingCoverage1764475000000 } from './1764475000000-ReadingCoverage';
import { AlarmsAndWebhooks1764480000000 } from './1764480000000-AlarmsAndWebhooks';
import { EnergyRegisters1764490000000 } from './1764490000000-EnergyRegisters';
import { SpreadGapEnergy1764500000000 } from './1764500000000-SpreadGapEnergy';

/**
 * Listed explicitly rather than globbed so the same list works from TypeScript sources (dev, jest)
 * and from the compiled build. `npm run migration:generate` writes a new file: add it here.
 */
export const migrations = [
  CreateTelemetryTables1764320000000,
  CreateChargingSessions1764330000000,
  CoverAnalyticsReads1764340000000,
  CreateApiKeys1764355000000,
  PartitionHistoryByTime1764400000000,
  OneVehiclePerMeter1764410000000,
  BoundReadings1764420000000,
  HourlyRollups1764430000000,
  SealedRollups1764435000000,
  SessionTotals1764440000000,
  StreamFollow1764450000000,
  HistoryBoundsFollowBuckets1764460000000,
  SessionsByDeviceAndEnd1764461000000,
  DeviceRegistry1764470000000,
  AccessVersion1764471000000,
  DeviceCredentials1764472000000,
  GatewayKeys1764473000000,
  QuietRegistryEdits1764474000000,
  ReadingCoverage1764475000000,
  AlarmsAndWebhooks1764480000000,
  EnergyRegisters1764490000000,
  SpreadGapEnergy1764500000000,
];
