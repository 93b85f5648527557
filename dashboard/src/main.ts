import 'uplot/dist/uPlot.min.css';
import '../styles/layout.css';
import '../styles/widgets.css';
import '../styles/kpis.css';
import '../styles/verdict.css';
import '../styles/alarms.css';
import { forgetKey, storedKey } from './auth';
import { h, required, show } from './dom';
import { fleetView } from './fleet-view';
import { meterView } from './meter-view';
import { currentRoute, href, WINDOWS, type WindowKey } from './route';
import { vehicleView } from './vehicle-view';

let leave: () => void = () => undefined;

/** The window picker in the top bar: links, so that a choice is part of the URL like the view. */
function windowPicker(): HTMLElement {
  const route = currentRoute();
  return h(
    'nav',
    { class: 'windows', 'aria-label': 'Window' },
    ...(Object.keys(WINDOWS) as WindowKey[]).map((window) =>
      h(
        'a',
        { href: href({ ...route, window }), 'aria-current': window === route.window ? 'true' : undefined },
        window,
      ),
    ),
  );
}

function keyControl(): HTMLElement | undefined {
  if (storedKey() === undefined) return undefined;
  const forget = () => {
    forgetKey();
    location.reload();
  };
  return h(
    'button',
    { type: 'button', class: 'link', onclick: forget, title: 'Forget the API key this tab keeps' },
    'Forget key',
  );
}

function render(): void {
  leave();
  const route = currentRoute();
  const main = required<HTMLElement>('#app');
  show(required('#controls'), windowPicker(), keyControl());
  if (route.vehicleId !== undefined) leave = vehicleView(main, route.vehicleId, route.window);
  else if (route.meterId !== undefined) leave = meterView(main, route.meterId, route.window);
  else leave = fleetView(main, route.window);
  document.title = `${route.vehicleId ?? route.meterId ?? 'Fleet'} · Fleet Platform`;
}

window.addEventListener('hashchange', render);
render();
