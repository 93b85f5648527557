import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { deviceIdParam } from '../validation/validate-request';
import { NewCredentialDto, parseNewCredential } from './auth.dto';
import { CredentialView, DeviceImportResult, ImportedDevice, IssuedCredential } from './auth.responses';
import type { AuthService } from './auth.service';
import { DeviceImportDto, parseDeviceImport } from './device-import.dto';
import type { DeviceImportService } from './device-import.service';

export interface DeviceCredentialDeps {
  auth: AuthService;
  imports: DeviceImportService;
}

const deviceParam = pathParam('id', 'The device id.', ref('DeviceId'));
const badId = problemResponse('An id breaks its rule.', 'validation-error');

// Credentials are secrets that write a device's readings; only operators hand them out.
export const deviceCredentialRoutes: RouteTable<DeviceCredentialDeps> = {
  tag: {
    name: 'device credentials',
    description: 'Tokens that write one device’s readings and nothing else; two live at most, for rotation.',
  },
  schemas: modelSchemas(
    NewCredentialDto,
    CredentialView,
    IssuedCredential,
    DeviceImportDto,
    ImportedDevice,
    DeviceImportResult,
  ),
  routes: [
    {
      method: 'post',
      path: '/v1/devices/import',
      role: 'admin',
      summary: 'Register devices and issue their credentials',
      description:
        'Registers the devices that are new and issues each one a credential; the tokens are in this answer only. ' +
        'Devices registered before are left as they are and get no new credential unless `reissue` is true, so a ' +
        'run repeated after a failure hands out no token twice. All or nothing: one transaction. ' +
        '`npm run keys -- devices import <file.csv>` sends a file of any length in parts.',
      body: jsonBody('The devices.', modelRef(DeviceImportDto)),
      responses: {
        200: jsonResponse('What became of each device, in the order sent.', modelRef(DeviceImportResult)),
        ...bodyFailures,
        ...databaseFailures,
      },
      handler:
        ({ imports }) =>
        async (req, res) => {
          const request = parseDeviceImport(req.body);
          // The tokens are in this answer only: no cache along the way may keep a copy.
          res.set('Cache-Control', 'no-store');
          res.json(await imports.run(request));
        },
    },
    {
      method: 'post',
      path: '/v1/devices/:id/credentials',
      role: 'admin',
      summary: 'Issue a device credential',
      description:
        'The token is in the answer this once. A device holds at most two live credentials: issue the new one, ' +
        'switch the device to it, then revoke the old one (or let it expire).',
      params: [deviceParam],
      body: jsonBody('When it expires, if ever.', modelRef(NewCredentialDto)),
      responses: {
        201: jsonResponse('Issued, with the token.', modelRef(IssuedCredential)),
        ...bodyFailures,
        404: problemResponse('No device with this id is registered.', 'not-found'),
        409: problemResponse('The device is decommissioned, or already has two live credentials.', 'conflict'),
        ...databaseFailures,
      },
      handler:
        ({ auth }) =>
        async (req, res) => {
          const deviceId = deviceIdParam('id', req.params.id);
          // The token is in this answer only: no cache along the way may keep a copy.
          res.set('Cache-Control', 'no-store');
          res.status(201).json(await auth.issueCredential(deviceId, parseNewCredential(req.body, new Date())));
        },
    },
    {
      method: 'get',
      path: '/v1/devices/:id/credentials',
      role: 'admin',
      summary: "A device's credentials",
      description: 'Every credential it was issued, revoked and expired ones included, oldest first; never a token.',
      params: [deviceParam],
      responses: {
        200: jsonResponse('The credentials.', { type: 'array', items: modelRef(CredentialView) }),
        400: badId,
        ...databaseFailures,
      },
      handler:
        ({ auth }) =>
        async (req, res) => {
          res.json(await auth.listCredentials(deviceIdParam('id', req.params.id)));
        },
    },
    {
      method: 'delete',
      path: '/v1/devices/:id/credentials/:credentialId',
      role: 'admin',
      summary: 'Revoke a device credential',
      description: 'It stops working at once on this replica, and on others within `AUTH_KEY_CACHE_MS` and one check.',
      params: [deviceParam, pathParam('credentialId', 'The credential id.', ref('Uuid'))],
      responses: {
        200: jsonResponse('The revoked credential.', modelRef(CredentialView)),
        400: badId,
        404: problemResponse('The device has no credential with this id.', 'not-found'),
        ...databaseFailures,
      },
      handler:
        ({ auth }) =>
        async (req, res) => {
          res.json(await auth.revokeCredential(deviceIdParam('id', req.params.id), req.params.credentialId));
        },
    },
  ],
};
