/**
 * Page cursors are opaque to clients: a JSON array of the fields that resume a listing, in base64url
 * so it travels in a query string as it is. Whatever comes back is the client's to tamper with, so
 * each endpoint checks every field it decodes.
 */
export const encodeCursor = (fields: unknown[]): string => Buffer.from(JSON.stringify(fields)).toString('base64url');

/** The fields of a cursor; none for text that is not one, which every endpoint's checks then refuse. */
export function cursorFields(cursor: string): unknown[] {
  try {
    const fields: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(fields) ? fields : [];
  } catch {
    return [];
  }
}
