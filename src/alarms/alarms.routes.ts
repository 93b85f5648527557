import type * as OpenApi from '../contract/openapi.types';
import { accessOf } from '../auth/auth.public';
import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas } from '../validation/model-schema';
import { AcknowledgeDto, AlarmQueryDto, alarmIdParam, parseAcknowledge, parseAlarmQuery } from './alarms.dto';
import {
  AlarmEvent,
  AlarmHistoryEntry,
  AlarmPage,
  AlarmSubject,
  AlarmSuspect,
  AlarmView,
  AlarmWithHistory,
} from './alarms.responses';
import type { AlarmService } from './alarms.service';

const idParam: OpenApi.Parameter = pathParam('id', 'The alarm id.', { type: 'string', format: 'uuid' });
const notFound = problemResponse('No alarm has this id.', 'not-found');
const badId = problemResponse('The id is not a UUID.', 'validation-error');

// Anyone who reads the fleet reads its alarms; acknowledging one is an operator's act, on the record.
export const alarmRoutes: RouteTable<AlarmService> = {
  tag: {
    name: 'alarms',
    description:
      'Conditions someone should act on, raised and cleared by the service: low efficiency, silent devices, ' +
      'untrustworthy figures and failing webhooks. Each change is also sent on the stream and to webhooks.',
  },
  schemas: modelSchemas(
    AlarmSubject,
    AlarmSuspect,
    AlarmView,
    AlarmPage,
    AlarmHistoryEntry,
    AlarmWithHistory,
    AlarmEvent,
    AcknowledgeDto,
  ),
  routes: [
    {
      method: 'get',
      path: '/v1/alarms',
      role: 'read',
      summary: 'List alarms',
      description: 'Newest raised first, in pages; `state`, `type` and `deviceId` narrow the list.',
      query: AlarmQueryDto,
      responses: {
        200: jsonResponse('A page of alarms.', modelRef(AlarmPage)),
        400: problemResponse('A parameter is invalid.', 'validation-error'),
        ...databaseFailures,
      },
      handler: (alarms) => async (req, res) => {
        res.json(await alarms.list(parseAlarmQuery(req.query)));
      },
    },
    {
      method: 'get',
      path: '/v1/alarms/:id',
      role: 'read',
      summary: 'An alarm and its history',
      params: [idParam],
      responses: {
        200: jsonResponse('The alarm, with every change of its state.', modelRef(AlarmWithHistory)),
        400: badId,
        404: notFound,
        ...databaseFailures,
      },
      handler: (alarms) => async (req, res) => {
        res.json(await alarms.get(alarmIdParam(req.params.id)));
      },
    },
    {
      method: 'post',
      path: '/v1/alarms/:id/acknowledge',
      role: 'admin',
      summary: 'Acknowledge an alarm',
      description:
        'Says a person has seen it, with an optional note; it stays open until its condition is gone. ' +
        'Acknowledging an acknowledged alarm again changes nothing. The body may be left out.',
      params: [idParam],
      body: { ...jsonBody('The note, if any.', modelRef(AcknowledgeDto)), required: false },
      responses: {
        200: jsonResponse('The alarm, acknowledged.', modelRef(AlarmView)),
        ...bodyFailures,
        404: notFound,
        409: problemResponse('The alarm has cleared: there is nothing left to acknowledge.', 'conflict'),
        ...databaseFailures,
      },
      handler: (alarms) => async (req, res) => {
        const id = alarmIdParam(req.params.id);
        const { note } = parseAcknowledge(req.body);
        const access = accessOf(res);
        const by = access && !access.open ? access.principal.name : null;
        res.json(await alarms.acknowledge(id, by, note));
      },
    },
  ],
};
