import type { Problem } from './api-types';
import { askForKey, forgetKey, storedKey } from './auth';

/** A refusal the page cannot fix by asking for a key; `message` is the problem's detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

async function problemDetail(response: Response): Promise<string> {
  try {
    const problem = (await response.json()) as Problem;
    return problem.detail ?? problem.title ?? response.statusText;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function keyPrompt(status: number, detail: string, hadKey: boolean): string {
  if (status === 403) return `That key may not read: ${detail} Enter a key with role read.`;
  return hadKey ? `The key was refused: ${detail}` : 'This service needs an API key with role read (or admin).';
}

/** The role a request needs: `read` for everything the page shows, `admin` for what an operator does. */
export type Role = 'read' | 'admin';

/**
 * fetch() with the tab's key. A 401, or a 403 for a key without the read role, asks for a key and tries
 * again; any other failure is an ApiError. A 403 without a key is the service refusing a client off its
 * own machine while it has no keys: no key entered here would change that. A 403 to a request that needs
 * `admin` is an ApiError too: the key reads well enough, and the page must not forget it for lacking more.
 */
export async function request(path: string, init: RequestInit = {}, role: Role = 'read'): Promise<Response> {
  for (;;) {
    const key = storedKey();
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    if (key !== undefined) headers.set('Authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers });
    if (response.ok) return response;
    const detail = await problemDetail(response);
    if (response.status === 401 || (response.status === 403 && key !== undefined && role === 'read')) {
      forgetKey();
      await askForKey(keyPrompt(response.status, detail, key !== undefined));
      continue;
    }
    throw new ApiError(response.status, detail);
  }
}

export async function getJson<T>(path: string, query: Query = {}): Promise<T> {
  return (await request(apiUrl(path, query))).json() as Promise<T>;
}

/** A POST of `body` as JSON; `role` is what the route needs (see request()). */
export async function postJson<T>(path: string, body: unknown, role: Role = 'read'): Promise<T> {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  return (await request(path, init, role)).json() as Promise<T>;
}

/** Every page of a cursor-paged list, in order. */
export async function allPages<Page extends { nextCursor: string | null }>(
  path: string,
  query: Query,
): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    // A cursor carries the first page's query (a fleet page its window), so later pages send only it.
    const page: Page = await getJson<Page>(path, cursor === null ? query : { limit: query.limit, cursor });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

export const errorText = (error: unknown): string =>
  error instanceof ApiError
    ? `${error.message} (HTTP ${error.status})`
    : `The service could not be reached: ${String(error)}`;
