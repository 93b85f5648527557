import type { AlarmSuspect } from '../../src/alarms/alarms.responses';
import type { FleetVehicle, LowEfficiencyAlarm, MeterEfficiency, MeterVehicle } from '../../tools/simulator/answers';
import { checkEfficiency } from '../../tools/simulator/report';
import type { RegisterSummary } from '../../tools/simulator/registers';
import { checkAlarms } from '../../tools/simulator/report-alarms';
import { checkRegisters, formatRegisters, type DeviceExport } from '../../tools/simulator/report-registers';
import { checkSuspects } from '../../tools/simulator/report-suspects';

// V1 and V4 lose energy, and so do chargers M1 and M4. V1 charged on two chargers where others did well,
// and M1 fed two vehicles, one of them fine elsewhere: the service can tell both apart. V4 charged on one
// charger only, and M4 fed one vehicle only: nobody can.
const run = {
  vehicles: ['V1', 'V2', 'V3', 'V4'].map((vehicleId) => ({
    vehicleId,
    capacityKwh: 77,
    efficiency: 0.9,
    faulty: vehicleId === 'V1' || vehicleId === 'V4',
  })),
  chargers: ['M1', 'M2', 'M3', 'M4'].map((meterId) => ({
    meterId,
    efficiency: meterId === 'M1' || meterId === 'M4' ? 0.85 : 1,
    faulty: meterId === 'M1' || meterId === 'M4',
  })),
  chargedAt: new Map([
    ['V1', new Set(['M2', 'M3'])],
    ['V2', new Set(['M1', 'M2'])],
    ['V3', new Set(['M1', 'M3', 'M4'])],
    ['V4', new Set(['M2'])],
  ]),
  readings: { dropped: 0 },
};

const pair = (vehicleId: string, coverage = 1): MeterVehicle => ({
  vehicleId,
  totalKwhConsumedAc: 10,
  totalKwhDeliveredDc: 8,
  coverageAc: 1,
  coverageDc: coverage,
});
const view = (meterId: string, vehicles: MeterVehicle[], suspect: 'charger' | null = null): MeterEfficiency => ({
  meterId,
  minCoverage: 0.95,
  suspect,
  suspectReason: null,
  vehicles,
});
const item = (vehicleId: string, fields: Partial<FleetVehicle> = {}): FleetVehicle => ({
  vehicleId,
  efficiencyRatio: 0.9,
  lowEfficiency: false,
  dataQuality: [],
  suspect: null,
  suspectReason: null,
  ...fields,
});

const alarm = (vehicleId: string, meterIds: string[], suspect: AlarmSuspect | null = null): LowEfficiencyAlarm => ({
  id: `alarm-${vehicleId}`,
  subject: { kind: 'vehicle', id: vehicleId },
  suspect,
  details: { sessions: meterIds.map((meterId) => ({ meterId, efficiencyRatio: 0.76 })) },
});
const settled = { settleMs: 1_000, waitedMs: 1_500, settled: true };

const meters = [
  view('M1', [pair('V2'), pair('V3')], 'charger'),
  view('M2', [pair('V1'), pair('V2'), pair('V4')]),
  view('M3', [pair('V1'), pair('V3')]),
  view('M4', [pair('V3')]),
];
const fleet = [
  item('V1', { efficiencyRatio: 0.78, lowEfficiency: true, suspect: 'vehicle' }),
  item('V2'),
  item('V3', { efficiencyRatio: 0.84, lowEfficiency: true, suspect: 'charger' }),
  item('V4', { efficiencyRatio: 0.79, lowEfficiency: true }),
];

describe('simulator report', () => {
  it('expects the faulty devices the readings give away to be named, and leaves the others unjudged', () => {
    const check = checkSuspects(run, fleet, meters);
    expect(check.matches).toBe(true);
    expect(check.vehicles).toEqual({
      faulty: ['V1', 'V4'],
      named: ['V1'],
      missed: [],
      wronglyNamed: [],
      unjudged: ['V4'],
    });
    expect(check.chargers).toMatchObject({ named: ['M1'], unjudged: ['M4'] });
  });

  it('fails on a faulty device left unnamed and on a healthy one named', () => {
    const wrongFleet = [item('V1', { lowEfficiency: true }), item('V2', { suspect: 'vehicle' }), ...fleet.slice(2)];
    const wrongMeters = [view('M1', meters[0].vehicles), view('M2', meters[1].vehicles, 'charger'), ...meters.slice(2)];
    const check = checkSuspects(run, wrongFleet, wrongMeters);
    expect(check.matches).toBe(false);
    expect(check.vehicles).toMatchObject({ missed: ['V1'], wronglyNamed: ['V2'] });
    expect(check.chargers).toMatchObject({ missed: ['M1'], wronglyNamed: ['M2'] });
  });

  it('judges no device on sessions whose readings are incomplete', () => {
    // V3 missed readings on M1: M1 fed one vehicle with complete readings, and cannot be told apart.
    const incomplete = [view('M1', [pair('V2'), pair('V3', 0.9)]), ...meters.slice(1)];
    expect(checkSuspects(run, fleet, incomplete)).toMatchObject({
      matches: true,
      chargers: { unjudged: ['M1', 'M4'] },
    });
  });

  it('excuses a healthy vehicle flagged after a faulty charger, not one flagged on healthy chargers alone', () => {
    const flagged = [fleet[0], item('V2', { lowEfficiency: true }), ...fleet.slice(2)];
    expect(checkEfficiency(run, flagged, 0.85)).toMatchObject({
      expected: ['V1', 'V4'],
      unexpected: [],
      matches: true,
    });
    const healthyChargersOnly = { ...run, chargedAt: new Map([...run.chargedAt, ['V2', new Set(['M2'])]]) };
    expect(checkEfficiency(healthyChargersOnly, flagged, 0.85)).toMatchObject({ unexpected: ['V2'], matches: false });
  });

  it('leaves incomplete vehicles unflagged and unjudged, and expects none without lost readings', () => {
    const v4Incomplete = [...fleet.slice(0, 3), item('V4', { efficiencyRatio: 0.7, dataQuality: ['incomplete-dc'] })];
    expect(checkEfficiency({ ...run, readings: { dropped: 12 } }, v4Incomplete, 0.85)).toMatchObject({
      expected: ['V1'],
      unjudged: ['V4'],
      incomplete: ['V4'],
      matches: true,
    });
    expect(checkEfficiency(run, v4Incomplete, 0.85).matches).toBe(false);
  });

  it('with registers, expects no vehicle incomplete however many readings were dropped', () => {
    const v4Incomplete = [...fleet.slice(0, 3), item('V4', { efficiencyRatio: 0.7, dataQuality: ['incomplete-dc'] })];
    const registers: RegisterSummary = {
      spec: { resetShare: 0 },
      fates: new Map(),
      events: [],
      countedKwh: new Map(),
      unsentKwh: new Map(),
      idleAtResetsKwh: new Map(),
    };
    const lossy = { ...run, readings: { dropped: 12 }, registers };
    expect(checkEfficiency(lossy, v4Incomplete, 0.85)).toMatchObject({ registers: true, matches: false });
    expect(checkEfficiency(lossy, fleet, 0.85)).toMatchObject({ expected: ['V1', 'V4'], matches: true });
  });

  it('expects an alarm of every faulty vehicle with enough complete sessions, and of healthy ones after faulty chargers only', () => {
    const answers = {
      alarms: [
        alarm('V1', ['M2', 'M3'], { kind: 'vehicle', id: 'V1', reason: '…' }),
        alarm('V3', ['M4', 'M1'], { kind: 'charger', id: 'M1', reason: '…' }),
      ],
      completeSessions: new Map([['V4', 1]]),
      wait: settled,
    };
    expect(checkAlarms(run, answers, 2)).toMatchObject({
      alarmed: ['V1'],
      missed: [],
      unjudged: ['V4'],
      onFaultyChargers: ['V3'],
      chargerNotSuspected: [],
      wronglyAlarmed: [],
      matches: true,
    });
  });

  it('fails on a judged faulty vehicle left alone, a wrong alarm, a charger not suspected, and alarms still changing', () => {
    const answers = {
      alarms: [alarm('V2', ['M1', 'M2']), alarm('V3', ['M1', 'M4'], { kind: 'vehicle', id: 'V3', reason: '…' })],
      completeSessions: new Map([
        ['V1', 5],
        ['V4', 2],
      ]),
      wait: settled,
    };
    expect(checkAlarms(run, answers, 2)).toMatchObject({
      missed: ['V1', 'V4'],
      unjudged: [],
      wronglyAlarmed: ['V2'],
      onFaultyChargers: ['V3'],
      chargerNotSuspected: ['V3 (suspect vehicle V3)'],
      matches: false,
    });
    const fine = { alarms: [alarm('V1', ['M2', 'M3']), alarm('V4', ['M2', 'M2'])], completeSessions: new Map() };
    expect(checkAlarms(run, { ...fine, wait: settled }, 2).matches).toBe(true);
    expect(checkAlarms(run, { ...fine, wait: { ...settled, settled: false } }, 2).matches).toBe(false);
  });
});

describe('simulator report on registers', () => {
  const from = new Date('2026-02-01T00:00:00.000Z');
  const minute = (n: number) => new Date(from.getTime() + n * 60_000).toISOString();
  const summary: RegisterSummary = {
    spec: { resetShare: 0.5, widthKwh: 100_000 },
    fates: new Map([
      ['V1', 'reset'],
      ['M2', 'rollover'],
    ]),
    events: [
      { deviceId: 'V1', fate: 'reset', timestamp: minute(3) },
      // The reading that wrapped was lost: its successor carries the rollover.
      { deviceId: 'M2', fate: 'rollover', timestamp: minute(2) },
    ],
    countedKwh: new Map([
      ['M1', 0.9],
      ['V1', 0.7],
      ['M2', 1.5],
    ]),
    unsentKwh: new Map([['M1', 0.0012]]),
    idleAtResetsKwh: new Map([['V1', 0.05]]),
  };
  const METER = ['meterId', 'timestamp', 'kwhConsumedAc', 'kwhRegisterAc', 'voltage', 'registerEvent'];
  const VEHICLE = ['vehicleId', 'timestamp', 'soc', 'kwhDeliveredDc', 'kwhRegisterDc', 'batteryTemp', 'registerEvent'];
  /** A device's export: [minute, derived kWh, event] rows, the first one the baseline at the start. */
  const exported = (id: string, rows: Array<[number, number, string?]>): DeviceExport => {
    const kind = id.startsWith('M') ? 'meter' : 'vehicle';
    const [energy, register] =
      kind === 'meter' ? ['kwhConsumedAc', 'kwhRegisterAc'] : ['kwhDeliveredDc', 'kwhRegisterDc'];
    return {
      device: { id, kind },
      columns: kind === 'meter' ? METER : VEHICLE,
      rows: rows.map(([n, kwh, event = '']) => ({
        timestamp: minute(n).replace('.000Z', '.000000Z'),
        [energy]: String(kwh),
        [register]: '1',
        registerEvent: event,
      })),
    };
  };
  const fine = () => [
    exported('M1', [
      [0, 0],
      [1, 0.5],
      [3, 0.4],
    ]),
    exported('V1', [
      [0, 0],
      [1, 0.3],
      [2, 0.1],
      [3, 0.28, 'reset'],
    ]),
    exported('M2', [
      [0, 0],
      [1, 0.5],
      [3, 1, 'rollover'],
    ]),
  ];

  it('passes intervals within 0 and MAX_POWER_KW, each device at its counted energy, each event where the run caused it', () => {
    const check = checkRegisters({ from, registers: summary }, fine(), 1_000);
    expect(check).toMatchObject({
      devices: 3,
      readings: 10,
      missingColumns: [],
      negative: [],
      beyond: [],
      energy: [],
      missedEvents: [],
      unexpectedEvents: [],
      stored: { reset: 1, rollover: 1 },
      caused: { reset: 1, rollover: 1 },
      matches: true,
    });
    // V1's reset cost 0.02 kWh of the 0.05 it could have.
    expect(check.lostAtResetsKwh).toBeCloseTo(0.02, 9);
    expect(check.unsentKwh).toBe(0.0012);
    expect(formatRegisters(check)[1]).toContain('0.0012 kWh counted after the last readings sent');
    expect(formatRegisters(check).at(-1)).toBe(
      '            every interval possible, every device at its counted energy',
    );
  });

  it('fails on a negative interval, one beyond physical, energy off, and events missed or where none was caused', () => {
    const [m1, v1, m2] = fine();
    m1.rows[1].kwhConsumedAc = '-0.1';
    m1.rows[2].kwhConsumedAc = '34';
    m1.rows[2].registerEvent = 'quarantined';
    v1.rows[3].registerEvent = 'replaced';
    m2.rows[0].kwhConsumedAc = '0.2';
    const check = checkRegisters({ from, registers: summary }, [m1, v1, m2], 1_000);
    expect(check).toMatchObject({
      negative: [{ deviceId: 'M1', kwh: -0.1, limitKwh: 1_000 / 60 }],
      beyond: [
        { deviceId: 'M1', kwh: 34, limitKwh: 1_000 / 30 },
        { deviceId: 'M2', kwh: 0.2, limitKwh: 0 },
      ],
      energy: [{ deviceId: 'M1', countedKwh: 0.9, derivedKwh: 33.9, mayLoseKwh: 0 }],
      missedEvents: ['V1 reset at 2026-02-01T00:03:00.000000Z (stored replaced)'],
      unexpectedEvents: ['M1 quarantined at 2026-02-01T00:03:00.000000Z'],
      matches: false,
    });
    expect(formatRegisters(check).filter((line) => line.includes('MISMATCH'))).toHaveLength(5);
  });

  it('fails on an export without the register columns, judging the intervals all the same', () => {
    const plain = fine().map((e) => ({
      ...e,
      columns: e.columns.filter((column) => !column.startsWith('kwhRegister') && column !== 'registerEvent'),
    }));
    const check = checkRegisters({ from, registers: summary }, plain, 1_000);
    expect(check).toMatchObject({ negative: [], beyond: [], energy: [], matches: false });
    expect(check.missingColumns.sort()).toEqual(['kwhRegisterAc', 'kwhRegisterDc', 'registerEvent']);
  });
});
