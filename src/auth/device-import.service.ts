import type { DeviceImport } from './device-import.dto';
import type { DeviceImportRepository } from './device-import.repository';
import type { DeviceImportResult, ImportedDevice } from './auth.responses';
import { credentialView, NEVER } from './auth.service';
import { newSecret, sha256, TOKEN_PREFIX } from './secrets';

/**
 * Onboarding a fleet in one go: registers the devices that are new, issues each of them a credential,
 * and answers every token once. Run again over the same list it registers and issues nothing (unless
 * asked to reissue), so a script can repeat it after a failure without handing out tokens twice.
 */
export class DeviceImportService {
  constructor(
    private readonly repository: DeviceImportRepository,
    /** The key cache holds the registry and the credentials: this process reads them afresh at once. */
    private readonly accessChanged: () => void,
  ) {}

  async run({ devices, reissue }: DeviceImport): Promise<DeviceImportResult> {
    const tokens = new Map(devices.map(({ id }) => [id, newSecret(TOKEN_PREFIX)]));
    const rows = await this.repository.run(devices, reissue, (id) => sha256(tokens.get(id)!));
    this.accessChanged();
    const answered = devices.map(({ id, kind }): ImportedDevice => {
      const row = rows.get(id)!;
      return {
        id,
        kind: row.kind,
        registered: row.registered,
        state: row.retired ? 'decommissioned' : 'active',
        credential: row.credential ? { ...credentialView(row.credential, NEVER), token: tokens.get(id)! } : null,
        ...(row.kind !== kind && { error: `${id} is registered as a ${row.kind}; nothing was issued for it` }),
      };
    });
    return {
      registered: answered.filter((device) => device.registered).length,
      existing: answered.filter((device) => !device.registered).length,
      issued: answered.filter((device) => device.credential).length,
      devices: answered,
    };
  }
}
