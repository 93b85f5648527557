import { h, required } from './dom';

// The key lives for this tab only: sessionStorage is cleared with the tab and never sent anywhere by
// the browser itself, unlike a cookie.
const STORAGE_KEY = 'fleet-dashboard.api-key';

export function storedKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

let asking: Promise<string> | undefined;

/**
 * Asks for a `read` key in the page's dialog and keeps it for the tab. Requests refused at the same
 * time all wait for the one answer.
 */
export function askForKey(reason: string): Promise<string> {
  asking ??= new Promise<string>((resolve) => {
    const dialog = required<HTMLDialogElement>('#key-dialog');
    const form = required<HTMLFormElement>('form', dialog);
    const input = required<HTMLInputElement>('input[name=key]', form);
    required('.key-reason', dialog).replaceChildren(h('span', {}, reason));
    input.value = '';
    const submit = (event: SubmitEvent) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key === '') return;
      form.removeEventListener('submit', submit);
      sessionStorage.setItem(STORAGE_KEY, key);
      dialog.close();
      asking = undefined;
      resolve(key);
    };
    form.addEventListener('submit', submit);
    // Without a key the page has nothing to show, so the dialog cannot be dismissed with Escape.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    dialog.showModal();
    input.focus();
  });
  return asking;
}
