/** What other features may use of charging sessions: a session as the API shows it. */
export type { SessionView } from './charging-sessions.responses';
