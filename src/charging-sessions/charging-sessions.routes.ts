import type { Response } from 'express';
import { accessOf } from '../auth/auth.public';
import { ForbiddenError } from '../errors/problem';
import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import {
  NewSessionDto,
  parseNewSession,
  parseSessionEnd,
  parseSessionQuery,
  SessionEndDto,
  SessionQueryDto,
  sessionIdParam,
} from './charging-sessions.dto';
import { ChargingSessionList, SessionView } from './charging-sessions.responses';
import type { ChargingSessionService } from './charging-sessions.service';

const overlap = problemResponse(
  'The session would overlap another session of the same vehicle, or of another vehicle on the same meter; ' +
    '`detail` says which was busy and `conflictingSessionIds` lists the sessions in the way.',
  'conflict',
);

const schemas = modelSchemas(NewSessionDto, SessionEndDto, SessionView, ChargingSessionList);

/**
 * Sessions decide whose energy a meter's readings are, so only operators open and close them, and the
 * charging systems of those meters: a gateway key or device credential whose scope holds the meter,
 * for vehicles of the fleet.
 */
function sessionCheck(res: Response): (meterId: string, vehicleId?: string) => void {
  const access = accessOf(res);
  if (!access) throw new Error('charging sessions run without authenticate()');
  return (meterId, vehicleId) => {
    const refused = access.gate.session(meterId, vehicleId);
    // The meter is not named: a caller outside it has no business learning where others charge.
    if (refused) throw new ForbiddenError(`The session may not be written: ${refused.message}; nothing was changed.`);
  };
}

export const chargingSessionRoutes: RouteTable<ChargingSessionService> = {
  tag: {
    name: 'charging sessions',
    description: 'Which meter fed which vehicle when: what analytics attribute AC energy by.',
  },
  schemas,
  routes: [
    {
      method: 'post',
      path: '/v1/charging-sessions',
      role: 'admin',
      scopedCallers: true,
      summary: 'Record a charging session',
      description:
        'Sessions of one vehicle never overlap, and neither do those of one meter: a meter feeds one vehicle at a time.',
      body: jsonBody('The session; without `endedAt` it is ongoing.', modelRef(NewSessionDto)),
      responses: {
        201: {
          ...jsonResponse('Recorded.', modelRef(SessionView)),
          headers: {
            Location: { description: 'The session, `/v1/charging-sessions/{id}`.', schema: { type: 'string' } },
          },
        },
        ...bodyFailures,
        409: overlap,
        ...databaseFailures,
      },
      handler: (service) => async (req, res) => {
        const requested = parseNewSession(req.body);
        sessionCheck(res)(requested.meterId, requested.vehicleId);
        const session = await service.start(requested);
        res.status(201).location(`/v1/charging-sessions/${session.id}`).json(session);
      },
    },
    {
      method: 'patch',
      path: '/v1/charging-sessions/:id',
      role: 'admin',
      scopedCallers: true,
      summary: 'End a charging session',
      description: 'Sets (or moves) the end of a session.',
      params: [pathParam('id', 'The session id.', ref('Uuid'))],
      body: jsonBody('The end.', modelRef(SessionEndDto)),
      responses: {
        200: jsonResponse('The updated session.', modelRef(SessionView)),
        ...bodyFailures,
        404: problemResponse('No session with this id.', 'not-found'),
        409: overlap,
        ...databaseFailures,
      },
      handler: (service) => async (req, res) => {
        res.json(await service.end(sessionIdParam(req.params.id), parseSessionEnd(req.body), sessionCheck(res)));
      },
    },
    {
      method: 'get',
      path: '/v1/charging-sessions',
      role: 'read',
      summary: "List a vehicle's or a meter's charging sessions",
      description:
        'The sessions of the vehicle, of the meter, or of the vehicle on the meter, overlapping [`from`, `to`]; a ' +
        'missing bound is open. Unknown parameters are refused.',
      query: SessionQueryDto,
      responses: {
        200: jsonResponse('The sessions, oldest first.', modelRef(ChargingSessionList)),
        400: problemResponse('A parameter is missing or invalid.', 'validation-error'),
        ...databaseFailures,
      },
      handler: (service) => async (req, res) => {
        const answer: ChargingSessionList = { sessions: await service.list(parseSessionQuery(req.query)) };
        res.json(answer);
      },
    },
  ],
};
