import { REFRESH_HINT, renderSnapshots, staleSnapshots } from '../../tools/sql-snapshots';

describe('SQL snapshots under sql/', () => {
  it('hold exactly the statements the repositories send', () => {
    const stale = staleSnapshots();
    if (stale.length > 0) {
      throw new Error(`These SQL snapshots do not match the repositories: ${stale.join(', ')}; ${REFRESH_HINT}.`);
    }
  });

  it('cover every repository that sends SQL of its own', () => {
    const areas = new Set([...renderSnapshots().keys()].map((file) => file.split('/')[0]));
    expect([...areas].sort()).toEqual([
      'alarms',
      'analytics',
      'auth',
      'charging-sessions',
      'devices',
      'export',
      'health',
      'ingestion',
      'partitions',
      'rollups',
      'stream',
      'webhooks',
    ]);
  });
});
