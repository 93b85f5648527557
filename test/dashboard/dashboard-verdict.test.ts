import type { Page } from 'playwright-core';
import { pixelsOf } from './chart-pixels';
import { seededDashboard, TIMEOUT_MS } from './dashboard-harness';

// How the page judges figures: a ratio from too few readings is "not enough data", never a fault; a lone
// bucket's ratio is still drawn; the threshold stays on the chart; every meter leads to its own page.

const dashboard = seededDashboard();
const { watchedPage, api } = dashboard;

// As vehicle-charts.ts draws them.
const EFFICIENCY_COLOUR: [number, number, number] = [0x7c, 0x3a, 0xed];
const THRESHOLD_COLOUR: [number, number, number] = [0xdc, 0x26, 0x26];

interface FleetVehicle {
  vehicleId: string;
  lowEfficiency: boolean;
  dataQuality: string[];
  coverageDc: number | null;
  suspect: string | null;
  suspectReason: string | null;
}

interface SeriesPoint {
  efficiencyRatio: number | null;
}

interface MeterAnswer {
  suspect: string | null;
  suspectReason: string | null;
  vehicles: Array<{ vehicleId: string; elsewhere: { meterIds: string[] } }>;
}

const fleetPage = () =>
  api<{ minCoverage: number; vehicles: FleetVehicle[] }>('/v1/analytics/fleet/efficiency?hours=24&limit=1000');

async function openVehicle(page: Page, vehicleId: string): Promise<void> {
  await page.goto(`${dashboard.open.origin}/dashboard#/vehicles/${vehicleId}`);
  await page.locator('#chart-efficiency canvas').waitFor({ timeout: TIMEOUT_MS });
}

it(
  'shows a vehicle with readings missing apart from the ranking as not enough data, never as a fault',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    const ranking = await fleetPage();
    const incomplete = ranking.vehicles.find((vehicle) => vehicle.vehicleId === fleet.incomplete);
    // The seed's premise: a ratio low enough to be a fault, from half the vehicle's readings.
    expect(incomplete).toMatchObject({ lowEfficiency: false, dataQuality: ['incomplete-dc'] });
    expect(incomplete?.coverageDc).toBeLessThan(ranking.minCoverage);

    await page.goto(`${open.origin}/dashboard`);
    const row = page.locator(`#ranking tbody.not-enough-data tr[data-vehicle="${fleet.incomplete}"]`);
    await row.waitFor({ timeout: TIMEOUT_MS });
    await row.locator('[data-flag="not-enough-data"]').waitFor();
    await row.locator('[data-flag="incomplete-dc"]').waitFor();
    expect(await row.locator('[data-flag="low-efficiency"]').count()).toBe(0);
    expect(await row.getAttribute('class')).not.toContain('flagged');
    expect(Number(await row.locator('[data-coverage-dc]').getAttribute('data-coverage-dc'))).toBe(
      incomplete?.coverageDc,
    );
    expect(await page.locator(`#ranking tbody.ranked tr[data-vehicle="${fleet.incomplete}"]`).count()).toBe(0);
    await page.locator('#kpis:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });
    const unjudged = ranking.vehicles.filter((vehicle) =>
      vehicle.dataQuality.some((flag) => ['incomplete-ac', 'incomplete-dc', 'no-session'].includes(flag)),
    );
    expect(Number(await page.locator('[data-kpi="not-enough-data"]').getAttribute('data-value'))).toBe(unjudged.length);

    // A suspect is named with the API's reason, the meters in it linked.
    for (const vehicleId of fleet.chargerSuspect.vehicles) {
      const suspect = ranking.vehicles.find((vehicle) => vehicle.vehicleId === vehicleId);
      expect(suspect?.suspect).toBe('charger');
      await page.locator(`#ranking tr[data-vehicle="${vehicleId}"] [data-flag="suspect-charger"]`).waitFor();
      const reason = page.locator(`#ranking tr[data-reason-for="${vehicleId}"] [data-reason]`);
      expect(await reason.textContent()).toBe(suspect?.suspectReason);
      const named = await reason.locator('a[data-meter-link]').allTextContents();
      expect(named).toContain(fleet.chargerSuspect.meterId);
    }

    await row.locator(`a[data-vehicle-link="${fleet.incomplete}"]`).click();
    await page.locator('#vehicle-figures [data-flag="not-enough-data"]').waitFor({ timeout: TIMEOUT_MS });
    expect(await page.locator('#vehicle-figures [data-flag="low-efficiency"]').count()).toBe(0);
    expect(await page.locator('main .notice-info').textContent()).toContain('Not enough data');
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'draws a bucket whose neighbours have no ratio as a point',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    const hour = 3_600_000;
    const to = new Date();
    const window = `from=${new Date(to.getTime() - 24 * hour).toISOString()}&to=${to.toISOString()}`;
    const { points } = await api<{ points: SeriesPoint[] }>(
      `/v1/analytics/vehicles/${fleet.incomplete}/series?${window}`,
    );
    // The seed's premise: many buckets, too many for uPlot to mark each, and one ratio among them alone.
    expect(points.length).toBeGreaterThan(60);
    const rated = points.flatMap((point, index) => (point.efficiencyRatio === null ? [] : [index]));
    expect(rated).toHaveLength(1);
    expect([points[rated[0] - 1]?.efficiencyRatio, points[rated[0] + 1]?.efficiencyRatio]).toEqual([null, null]);

    await openVehicle(page, fleet.incomplete);
    const { plot, count, found } = await pixelsOf(page, '#chart-efficiency', EFFICIENCY_COLOUR);
    expect(count).toBeGreaterThan(4);
    // One point: small, and inside the plot.
    expect(found.right - found.left).toBeLessThan(12);
    expect(found.left).toBeGreaterThan(plot.left);
    expect(found.bottom).toBeLessThan(plot.bottom);
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'draws the alert threshold across the efficiency chart, inside its axis, also over a single bucket',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    for (const vehicleId of [fleet.incomplete, fleet.oneBucket]) {
      await openVehicle(page, vehicleId);
      const { plot, count, found } = await pixelsOf(page, '#chart-efficiency', THRESHOLD_COLOUR);
      expect(count).toBeGreaterThan(0);
      // A level line, strictly between the top and the bottom of the plot, and across nearly all of it.
      expect(found.bottom - found.top).toBeLessThanOrEqual(3);
      expect(found.top).toBeGreaterThan(plot.top);
      expect(found.bottom).toBeLessThan(plot.bottom);
      expect(found.right - found.left).toBeGreaterThan(0.9 * (plot.right - plot.left));
    }
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'links a meter to its page, which lists the vehicles it fed, each linking back to its own page',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/dashboard#/?window=7d`);
    const row = page.locator(`#ranking tr[data-vehicle="${fleet.incomplete}"]`);
    await row.waitFor({ timeout: TIMEOUT_MS });
    await row.locator(`a[data-meter-link="${fleet.sharedMeter}"]`).click();
    expect(page.url()).toBe(`${open.origin}/dashboard#/meters/${fleet.sharedMeter}?window=7d`);

    const meter = await api<MeterAnswer>(`/v1/analytics/meters/${fleet.sharedMeter}/efficiency?hours=168`);
    const fed = meter.vehicles.map((vehicle) => vehicle.vehicleId);
    expect(fed).toEqual(expect.arrayContaining([fleet.implausible, fleet.incomplete]));
    const rows = page.locator('#meter-vehicles tbody tr');
    await rows.first().waitFor({ timeout: TIMEOUT_MS });
    expect(await rows.evaluateAll((all) => all.map((tr) => tr.getAttribute('data-vehicle')))).toEqual(fed);
    await page
      .locator(`#meter-vehicles tr[data-vehicle="${fleet.incomplete}"] [data-flag="not-enough-data"]`)
      .waitFor();

    // The charger losing energy: suspected, with the API's reason, and its vehicles' ratios elsewhere linked.
    await page.goto(`${open.origin}/dashboard#/meters/${fleet.chargerSuspect.meterId}?window=7d`);
    const losing = await api<MeterAnswer>(`/v1/analytics/meters/${fleet.chargerSuspect.meterId}/efficiency?hours=168`);
    expect(losing.suspect).toBe('charger');
    await page.locator('#meter-figures [data-flag="suspect-charger"]').waitFor({ timeout: TIMEOUT_MS });
    expect(await page.locator('#meter-figures [data-reason]').textContent()).toBe(losing.suspectReason);
    for (const vehicle of losing.vehicles) {
      const cells = page.locator(`#meter-vehicles tr[data-vehicle="${vehicle.vehicleId}"]`);
      for (const meterId of vehicle.elsewhere.meterIds)
        await cells.locator(`a[data-meter-link="${meterId}"]`).waitFor();
    }

    const [first] = fleet.chargerSuspect.vehicles;
    await page.locator(`#meter-vehicles a[data-vehicle-link="${first}"]`).click();
    expect(page.url()).toBe(`${open.origin}/dashboard#/vehicles/${first}?window=7d`);
    // And from the vehicle's page back to every meter it charged at.
    await page.locator(`#vehicle-figures a[data-meter-link="${fleet.chargerSuspect.meterId}"]`).waitFor();
    await page.locator(`#sessions a[data-meter-link="${fleet.chargerSuspect.meterId}"]`).first().waitFor();
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'links every meter in the live table to its page',
  async () => {
    const { open } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/dashboard`);
    const meters = page.locator('#live tr[data-device^="meter:"]');
    await meters.first().waitFor({ timeout: TIMEOUT_MS });
    const ids = await meters.evaluateAll((all) =>
      all.map((tr) => tr.getAttribute('data-device')?.slice('meter:'.length)),
    );
    const linked = await meters.evaluateAll((all) =>
      all.map((tr) => tr.querySelector('a[data-meter-link]')?.getAttribute('href')),
    );
    expect(linked).toEqual(ids.map((id) => `#/meters/${id}`));
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);
