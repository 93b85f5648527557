import type { Page } from 'playwright-core';
import { charge } from '../../tools/dashboard/seed-charging';
import { INTERVAL_MS } from '../../tools/simulator/fleet-model';
import { SimulatorClient } from '../../tools/simulator/simulator.client';
import { seededDashboard, serve, stop, TIMEOUT_MS, type Served } from './dashboard-harness';

// The alarm panel at the top of the fleet page, driven in Chromium against the real app and database:
// alarms are raised by the service's own check, over readings sent through the API.

/** An alarm change reaches the page through the stream; a few seconds is generous on a loaded machine. */
const LIVE_WAIT_MS = 15_000;
/** Older than ALARM_SILENT_AFTER (15 min by default): the device is silent at the next check. */
const SILENT_FOR_MS = 60 * 60_000;

const dashboard = seededDashboard();
const { watchedPage, api } = dashboard;

interface AlarmView {
  id: string;
  type: string;
  subject: { kind: 'meter' | 'vehicle' | 'webhook'; id: string };
  state: 'active' | 'acknowledged' | 'cleared';
  summary: string;
  suspect: { kind: 'charger' | 'vehicle'; id: string | null; reason: string } | null;
  acknowledgedBy: string | null;
  acknowledgeNote: string | null;
}

interface AlarmDetail extends AlarmView {
  history: Array<{ change: string; note: string | null }>;
}

const openAlarms = async (read = api) =>
  (await read<{ alarms: AlarmView[]; nextCursor: string | null }>('/v1/alarms?state=open&limit=500')).alarms;

/** One evaluation of every alarm condition, as the service's scheduler runs it. */
const check = ({ t }: Served) => t.services.alarmCheck.check();

/**
 * A second session of the seed's `lowOnce` vehicle on the charger losing energy, ended 20 minutes ago:
 * two complete sessions below the threshold in a row, once sealing has counted them (as the service's
 * scheduler does), raise a low-efficiency alarm that blames the charger.
 */
async function secondLowSession({ t, origin }: Served, vehicleId: string, meterId: string): Promise<void> {
  const start = new Date(Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - 30 * INTERVAL_MS);
  await charge(new SimulatorClient({ baseUrl: origin }), {
    vehicleId,
    meterId,
    start,
    minutes: 10,
    acKwh: 0.5,
    dcKwh: 0.35,
  });
  await t.services.rollups.seal();
}

/** A vehicle whose only reading is an hour old: the next check finds it silent. */
async function silentVehicle({ origin }: Served, vehicleId: string, key?: string): Promise<void> {
  const response = await fetch(`${origin}/v1/ingestion/vehicle`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({
      vehicleId,
      soc: 55,
      kwhDeliveredDc: 0,
      batteryTemp: 20,
      timestamp: new Date(Date.now() - SILENT_FOR_MS).toISOString(),
    }),
  });
  expect(response.status).toBe(201);
}

const kpi = async (page: Page, name: string) =>
  Number(await page.locator(`[data-kpi="${name}"]`).getAttribute('data-value'));

const item = (page: Page, alarmId: string) => page.locator(`#alarms li[data-alarm="${alarmId}"]`);

/** The ids the panel lists, in its order. */
const listed = (page: Page) =>
  page.locator('#alarms li[data-alarm]').evaluateAll((items) => items.map((li) => li.getAttribute('data-alarm')));

/** Waits until `read` gives `expected`, as the page catches up with the API. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = LIVE_WAIT_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await read();
  }
  expect(last).toEqual(expected);
}

it(
  'shows the alarms the check raised at the top of the fleet page, counts them, and acknowledges one with a note',
  async () => {
    const { open, fleet } = dashboard;
    const vehicleId = 'DEMO-V990';
    const { meterId: losing } = fleet.chargerSuspect;
    await silentVehicle(open, vehicleId);
    await secondLowSession(open, fleet.oneBucket, losing);
    await check(open);
    const alarms = await openAlarms();
    const silent = alarms.find((alarm) => alarm.type === 'device-silent' && alarm.subject.id === vehicleId);
    expect(silent).toMatchObject({ state: 'active', subject: { kind: 'vehicle', id: vehicleId } });
    const low = alarms.find((alarm) => alarm.type === 'low-efficiency' && alarm.subject.id === fleet.oneBucket);
    expect(low).toMatchObject({ state: 'active', suspect: { kind: 'charger', id: losing } });

    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/dashboard`);
    await page.locator('#alarms:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#kpis:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });

    // At the top, above the KPIs and the ranking, in view without scrolling; a labelled region.
    const [panelBox, kpisBox, rankingBox] = await Promise.all(
      ['#alarms', '#kpis', '#ranking'].map((selector) => page.locator(selector).boundingBox()),
    );
    expect(panelBox!.y).toBeLessThan(kpisBox!.y);
    expect(kpisBox!.y).toBeLessThan(rankingBox!.y);
    expect(panelBox!.y).toBeLessThan(200);
    expect(await page.getByRole('region', { name: 'Open alarms' }).count()).toBe(1);

    // Every open alarm, newest first as the API lists them, each with its subject linked to its page.
    expect(await listed(page)).toEqual(alarms.map((alarm) => alarm.id));
    for (const alarm of alarms) {
      const row = item(page, alarm.id);
      expect(await row.getAttribute('data-state')).toBe(alarm.state);
      expect(await row.locator('.alarm-summary').textContent()).toBe(alarm.summary);
      if (alarm.subject.kind !== 'webhook') {
        const link = row.locator(`.alarm-subject a[data-${alarm.subject.kind}-link="${alarm.subject.id}"]`);
        expect(await link.getAttribute('href')).toBe(`#/${alarm.subject.kind}s/${alarm.subject.id}`);
      }
      if (alarm.suspect) {
        const suspect = row.locator(`[data-suspect="${alarm.suspect.kind}"]`);
        expect(await suspect.textContent()).toContain(alarm.suspect.reason);
      }
    }
    // The suspected charger links to its meter's page.
    const suspect = item(page, low!.id).locator('[data-suspect="charger"]');
    expect(await suspect.locator(`a[data-meter-link="${losing}"]`).first().getAttribute('href')).toBe(
      `#/meters/${losing}`,
    );
    expect(await kpi(page, 'open-alarms')).toBe(alarms.length);

    // Acknowledged with a note typed in place: the item, the API and the KPI's note all say so.
    const note = 'Telematics box replaced on Monday';
    const row = item(page, silent!.id);
    await row.getByRole('button', { name: `Acknowledge Device silent alarm on ${vehicleId}` }).click();
    await row.getByLabel('Note (optional)').fill(note);
    await row.locator('form button[type=submit]').click();
    await page.locator(`#alarms li[data-alarm="${silent!.id}"][data-state="acknowledged"]`).waitFor();
    expect(await item(page, silent!.id).locator('.acknowledgement').textContent()).toContain(note);
    expect(
      await item(page, silent!.id)
        .getByRole('button', { name: /Acknowledge/ })
        .count(),
    ).toBe(0);

    const stored = await api<AlarmDetail>(`/v1/alarms/${silent!.id}`);
    expect(stored).toMatchObject({ state: 'acknowledged', acknowledgeNote: note });
    expect(stored.history.map((entry) => entry.change)).toEqual(['raised', 'acknowledged']);
    expect(stored.history[1].note).toBe(note);
    // Still open, so still counted; no longer waiting for anyone.
    const active = alarms.filter((alarm) => alarm.state === 'active').length - 1;
    await eventually(
      () => page.locator('[data-kpi="open-alarms"] .kpi-note').textContent(),
      `${active} active, ${alarms.length - active} acknowledged`,
    );
    expect(await kpi(page, 'open-alarms')).toBe(alarms.length);
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'shows an alarm raised while the page is open without a reload, and reads the KPIs and ranking again',
  async () => {
    const { open } = dashboard;
    const { page, problems } = await watchedPage(open.origin);
    await page.goto(`${open.origin}/dashboard`);
    await page.locator('#live .stream-live').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#alarms:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#kpis:not([aria-busy])').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('#ranking tr[data-vehicle]').first().waitFor({ timeout: TIMEOUT_MS });
    expect(await kpi(page, 'open-alarms')).toBe((await openAlarms()).length);
    // Anything the page keeps in memory is gone after a reload.
    await page.evaluate('window.notReloaded = true');
    const reads: string[] = [];
    page.on('request', (request) => reads.push(new URL(request.url()).pathname));
    // Someone is writing a note on an active alarm as the new one comes in.
    const writing = await page.locator('#alarms li[data-state="active"]').first().getAttribute('data-alarm');
    await item(page, writing!).locator('button.acknowledge').click();
    const note = item(page, writing!).getByLabel('Note (optional)');
    await note.pressSequentially('Calling the depot');

    const vehicleId = 'DEMO-V991';
    await silentVehicle(open, vehicleId);
    await check(open);
    const alarms = await openAlarms();
    const raised = alarms.find((alarm) => alarm.type === 'device-silent' && alarm.subject.id === vehicleId);
    expect(raised).toBeDefined();

    await item(page, raised!.id).waitFor({ timeout: LIVE_WAIT_MS });
    await eventually(() => kpi(page, 'open-alarms'), alarms.length);
    await eventually(
      () => listed(page),
      alarms.map((alarm) => alarm.id),
    );
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    // The list changed around the note: it keeps its text and the focus.
    expect(await note.inputValue()).toBe('Calling the depot');
    expect(await page.evaluate('document.activeElement.name')).toBe('note');
    // The ranking and the KPIs were read again, not only the alarms.
    expect(reads.filter((path) => path === '/v1/analytics/fleet/efficiency').length).toBeGreaterThanOrEqual(2);
    expect(reads).toContain('/v1/alarms');
    expect(reads).not.toContain('/dashboard');
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

it(
  'says that acknowledging needs an admin key when the tab’s key may only read, and keeps that key',
  async () => {
    const keyed = await serve();
    try {
      const { key: admin } = await keyed.t.services.auth.create('ops', 'admin');
      const { key: reader } = await keyed.t.services.auth.create('wallboard', 'read');
      await silentVehicle(keyed, 'KEYED-V1', admin);
      await check(keyed);
      const withAdmin = async <T>(path: string) => {
        const response = await fetch(`${keyed.origin}${path}`, { headers: { Authorization: `Bearer ${admin}` } });
        expect(response.status).toBe(200);
        return (await response.json()) as T;
      };
      const [alarm] = await openAlarms(withAdmin);
      expect(alarm).toMatchObject({ type: 'device-silent', subject: { id: 'KEYED-V1' } });

      // Chromium logs the refusals as failed loads: the 401 that asks for a key, and the 403 shown here.
      const { page, problems } = await watchedPage(keyed.origin, [/status of 401/, /status of 403/]);
      await page.goto(`${keyed.origin}/dashboard`);
      await page.fill('#key-dialog input[name=key]', reader);
      await page.click('#key-dialog button[type=submit]');
      await item(page, alarm.id).waitFor({ timeout: TIMEOUT_MS });
      await item(page, alarm.id)
        .getByRole('button', { name: /^Acknowledge/ })
        .click();
      await item(page, alarm.id).getByLabel('Note (optional)').fill('on it');
      await item(page, alarm.id).locator('form button[type=submit]').click();

      const refusal = item(page, alarm.id).getByRole('alert');
      await refusal.waitFor({ timeout: LIVE_WAIT_MS });
      expect(await refusal.textContent()).toContain('only a key with role admin may acknowledge alarms');
      // With the service's own reason, which names the key.
      expect(await refusal.textContent()).toContain('wallboard');
      // The key still reads: the page neither forgot it nor asked for another.
      expect(await page.locator('#key-dialog').isVisible()).toBe(false);
      expect(await page.evaluate('sessionStorage.length')).toBe(1);
      expect(await item(page, alarm.id).getAttribute('data-state')).toBe('active');
      expect(await withAdmin<AlarmView>(`/v1/alarms/${alarm.id}`)).toMatchObject({ state: 'active' });
      expect(problems).toEqual([]);
    } finally {
      await stop(keyed);
    }
  },
  TIMEOUT_MS,
);
