import { configEnvironmentKeys, readRepoFile } from '../support/config-keys';

describe('.env.example and docs/configuration.md', () => {
  const keys = configEnvironmentKeys();

  it('.env.example lists every variable the config module reads, and nothing else', () => {
    const listed = readRepoFile('.env.example')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((key): key is string => key !== undefined);
    expect([...listed].sort()).toEqual([...keys].sort());
  });

  it('docs/configuration.md documents every variable', () => {
    const page = readRepoFile('docs/configuration.md');
    expect(keys.filter((key) => !page.includes(`\`${key}\``))).toEqual([]);
  });
});
