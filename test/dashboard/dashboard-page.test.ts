import type { Page } from 'playwright-core';
import { seededDashboard, serve, stop, TIMEOUT_MS, type Served } from './dashboard-harness';

// A reading reaches the table through the stream; a few seconds is generous on a loaded machine.
const LIVE_WAIT_MS = 15_000;

const dashboard = seededDashboard();
const { watchedPage, api } = dashboard;

interface Performance {
  vehicleId: string;
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  lowEfficiency: boolean;
  dataQuality: string[];
}

const kpi = async (page: Page, name: string) =>
  Number(await page.locator(`[data-kpi="${name}"]`).getAttribute('data-value'));

it(
  'shows the seeded fleet’s figures as the API gives them, and flags the faulty and the implausible vehicle',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/`);
    expect(page.url()).toBe(`${open.origin}/dashboard`);
    await page.locator('#kpis:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });

    const ranking = await api<{ vehicles: Performance[]; nextCursor: null }>(
      '/v1/analytics/fleet/efficiency?hours=24&limit=1000',
    );
    expect(ranking.nextCursor).toBeNull();
    const sum = (pick: (vehicle: Performance) => number) =>
      ranking.vehicles.reduce((total, vehicle) => total + pick(vehicle), 0);
    expect(await kpi(page, 'ac-energy')).toBeCloseTo(
      sum((vehicle) => vehicle.totalKwhConsumedAc),
      6,
    );
    expect(await kpi(page, 'dc-energy')).toBeCloseTo(
      sum((vehicle) => vehicle.totalKwhDeliveredDc),
      6,
    );
    const trusted = ranking.vehicles.filter((vehicle) => vehicle.dataQuality.length === 0);
    const trustedRatio =
      trusted.reduce((total, vehicle) => total + vehicle.totalKwhDeliveredDc, 0) /
      trusted.reduce((total, vehicle) => total + vehicle.totalKwhConsumedAc, 0);
    expect(await kpi(page, 'efficiency')).toBeCloseTo(trustedRatio, 6);
    expect(await kpi(page, 'vehicles-reporting')).toBe(fleet.vehicles.length);
    expect(await kpi(page, 'charging-now')).toBe(1);
    // The simulated faulty vehicles, and the two the seed charged on a charger losing energy.
    const low = [...fleet.faulty, ...fleet.chargerSuspect.vehicles];
    expect(await kpi(page, 'low-efficiency')).toBe(low.length);
    expect(await kpi(page, 'data-problems')).toBe(1);
    // The figure shown is the figure measured, with its unit.
    const ac = sum((vehicle) => vehicle.totalKwhConsumedAc).toFixed(1);
    expect(await page.locator('[data-kpi="ac-energy"] .kpi-value').textContent()).toBe(`${ac} kWh`);

    await page.locator('#ranking tr[data-vehicle]').first().waitFor();
    expect(await page.locator('#ranking tr[data-vehicle]').count()).toBe(ranking.vehicles.length);
    for (const vehicleId of low) {
      await page.locator(`#ranking tr[data-vehicle="${vehicleId}"] [data-flag="low-efficiency"]`).waitFor();
    }
    const flagged = await page.locator('#ranking [data-flag="low-efficiency"]').count();
    expect(flagged).toBe(low.length);
    await page.locator(`#ranking tr[data-vehicle="${fleet.implausible}"] [data-flag="dc-exceeds-ac"]`).waitFor();
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'draws a vehicle’s charts and lists its sessions and live status',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    const [faulty] = fleet.faulty;
    await page.goto(`${open.origin}/dashboard`);
    await page.locator(`#ranking tr[data-vehicle="${faulty}"] a[data-vehicle-link]`).click();
    expect(page.url()).toBe(`${open.origin}/dashboard#/vehicles/${faulty}`);

    for (const chart of ['#chart-energy', '#chart-efficiency', '#chart-battery']) {
      const canvas = page.locator(`${chart} canvas`);
      await canvas.waitFor({ timeout: TIMEOUT_MS });
      const box = await canvas.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(100);
    }
    const sessions = await api<{ sessions: unknown[] }>(`/v1/charging-sessions?vehicleId=${faulty}`);
    expect(sessions.sessions.length).toBeGreaterThan(0);
    expect(await page.locator('#sessions tbody tr').count()).toBe(sessions.sessions.length);
    const live = await api<{ soc: number }>(`/v1/vehicles/${faulty}`);
    expect(await page.locator('#vehicle-live [data-fact="soc"] strong').textContent()).toBe(`${live.soc.toFixed(1)} %`);
    await page.locator('#vehicle-figures [data-flag="low-efficiency"]').waitFor();
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'shows a reading committed while the page is open in the live table, within seconds',
  async () => {
    const { open, fleet } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/dashboard`);
    await page.locator('#live .stream-live').waitFor({ timeout: TIMEOUT_MS });
    const [meterId] = fleet.meters;
    await page.locator(`#live tr[data-device="meter:${meterId}"]`).waitFor();

    const timestamp = new Date().toISOString();
    const posted = await fetch(`${open.origin}/v1/ingestion/meter`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ meterId, kwhConsumedAc: 3.21, voltage: 234.5, timestamp }),
    });
    expect(posted.status).toBe(201);
    const row = page.locator(`#live tr[data-device="meter:${meterId}"]`);
    await row.filter({ hasText: '234.5 V' }).waitFor({ timeout: LIVE_WAIT_MS });
    expect(await row.textContent()).toContain('3.21 kWh');

    // A device the page has never seen gets a row of its own.
    const vehicleId = 'DEMO-V777';
    const first = await fetch(`${open.origin}/v1/ingestion/vehicle`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ vehicleId, soc: 66.6, kwhDeliveredDc: 0, batteryTemp: 21, timestamp }),
    });
    expect(first.status).toBe(201);
    await page
      .locator(`#live tr[data-device="vehicle:${vehicleId}"]`)
      .filter({ hasText: '66.6 %' })
      .waitFor({ timeout: LIVE_WAIT_MS });
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'asks for a read key once the service has keys, keeps it for the tab only and sends it with every request',
  async () => {
    const keyed = await serve();
    try {
      const { key } = await keyed.t.services.auth.create('dashboard', 'read');
      await postOneReading(keyed);
      // The refusals that make the page ask are logged by Chromium as failed loads; nothing else may be.
      const { page, problems } = await watchedPage(keyed.origin, [/status of 401/]);
      await page.goto(`${keyed.origin}/dashboard`);
      const dialog = page.locator('#key-dialog');
      await dialog.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
      expect(await dialog.textContent()).toContain('needs an API key');
      const sent: string[] = [];
      page.on('request', (req) => {
        if (new URL(req.url()).pathname.startsWith('/v1/')) sent.push(req.headers().authorization ?? 'none');
      });
      await page.fill('#key-dialog input[name=key]', key);
      await page.click('#key-dialog button[type=submit]');
      await page.locator('#kpis:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });
      expect(await kpi(page, 'vehicles-reporting')).toBe(1);
      await page.locator('#live .stream-live').waitFor({ timeout: TIMEOUT_MS });
      expect(sent.length).toBeGreaterThan(0);
      expect(new Set(sent)).toEqual(new Set([`Bearer ${key}`]));
      expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([1, 0, '']);
      expect(problems).toEqual([]);
    } finally {
      await stop(keyed);
    }
  },
  TIMEOUT_MS,
);

/** One vehicle reading through the service with an admin key: enough for the keyed page to show. */
async function postOneReading({ t, origin }: Served): Promise<void> {
  const { key } = await t.services.auth.create('seeder', 'admin');
  const response = await fetch(`${origin}/v1/ingestion/vehicle`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify({
      vehicleId: 'KEYED-V1',
      soc: 50,
      kwhDeliveredDc: 0,
      batteryTemp: 20,
      timestamp: new Date().toISOString(),
    }),
  });
  expect(response.status).toBe(201);
}
