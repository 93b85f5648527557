import { databaseFailures } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelSchemas } from '../validation/model-schema';
import { StreamQueryDto } from './stream.dto';
import { followHandler, type StreamDeps } from './stream.handlers';
import { LowEfficiencyEvent, StreamMeterReading, StreamReset, StreamVehicleReading } from './stream.responses';

const events = `
Server-Sent Events, each \`event:\`, \`id:\` and one \`data:\` line of JSON:

- \`reading\`: a stored reading (\`StreamMeterReading\` or \`StreamVehicleReading\`), sent after its transaction
  commits; duplicates are not sent.
- \`low-efficiency\`: a charging session was closed and its DC/AC ratio is below the threshold (\`LowEfficiencyEvent\`).
- \`alarm\`: an alarm was raised, acknowledged or cleared (\`AlarmEvent\`, the body webhooks receive); sent by
  the change's own transaction, so only once it has committed, and to a client following its device.
- \`reset\`: sent first when \`Last-Event-ID\` names an event no longer kept (\`StreamReset\`): reload, then follow on.
  Readings are announced only while some client follows the stream on some replica: after more than two
  minutes with none, the events kept from before are dropped.
- \`: keep-alive\` comment lines every \`STREAM_KEEPALIVE_MS\`.

A client that reads slower than events come has them queued on the server, within a budget shared by every
client of the process (\`STREAM_BUFFER_BUDGET_BYTES\`); past it, the clients furthest behind have their connection
reset. They reconnect with \`Last-Event-ID\` and get what they missed from the events kept.

Read it with a streaming \`fetch()\` that sends the key in a header; keys never go in the URL.
`.trim();

export const streamRoutes: RouteTable<StreamDeps> = {
  tag: { name: 'stream', description: 'Readings and alerts as they happen, over Server-Sent Events.' },
  schemas: modelSchemas(StreamMeterReading, StreamVehicleReading, LowEfficiencyEvent, StreamReset),
  routes: [
    {
      method: 'get',
      path: '/v1/stream',
      role: 'read',
      summary: 'Follow readings, low-efficiency alerts and alarms live',
      description:
        'With `vehicleId` and/or `meterId`, only those devices; unknown parameters are refused. A client that ' +
        'reconnects with `Last-Event-ID` first gets the events it missed, from the newest `STREAM_REPLAY_EVENTS` kept.',
      query: StreamQueryDto,
      params: [
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          description: 'The `id` of the last event received, to resume after it.',
          schema: { type: 'string' },
        },
      ],
      responses: {
        200: {
          description: events,
          content: {
            'text/event-stream': {
              schema: {
                type: 'string',
                description: 'A stream of events; each `data` line is one of the schemas the description names.',
                examples: ['event: reading\nid: 5f1c2a9e3b0.0\ndata: {"type":"meter","meterId":"METER-001"}\n\n'],
              },
            },
          },
        },
        400: problemResponse('A parameter is invalid or unknown.', 'validation-error'),
        404: problemResponse('The stream is turned off on this service (`STREAM_ENABLED=false`).', 'not-found'),
        ...databaseFailures,
        503: problemResponse(
          'The database is unavailable, or this process already serves `STREAM_MAX_CLIENTS` clients; nothing was ' +
            'streamed. Retry after `Retry-After` seconds.',
          'service-unavailable',
        ),
      },
      handler: followHandler,
    },
  ],
};
