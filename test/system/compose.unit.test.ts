import Ajv from 'ajv';
import draft07MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { configEnvironmentKeys, readRepoFile } from '../support/config-keys';

// There is no Docker engine where this suite runs, so the compose file is checked against the spec
// and against what the service actually reads.

const read = readRepoFile;

// fixtures/compose-spec.json: schema/compose-spec.json of github.com/compose-spec/compose-spec at 00655e22, Apache-2.0.
function composeValidator() {
  // The upstream schema pairs union types and object keywords on array branches, which strictTypes only
  // warns about; the rest of strict mode stays on so a keyword Ajv does not know still fails.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  // The schema names its draft-07 meta-schema by the https URL, which Ajv registers only under http.
  ajv.addMetaSchema({ ...draft07MetaSchema, $id: 'https://json-schema.org/draft-07/schema' });
  return ajv.compile(JSON.parse(read('test/system/fixtures/compose-spec.json')));
}

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[] };
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'));
  const services = compose.services as Record<string, ComposeService>;
  const apiEnvironment = services.api.environment ?? {};
  const validate = composeValidator();

  it('is a valid Compose Specification file', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // A schema that failed to load strictly would pass anything; a misspelt key must still fail it.
    const misspelt = { ...compose, services: { ...services, api: { ...services.api, depend_on: [] } } };
    expect(validate(misspelt)).toBe(false);
  });

  it('reports postgres healthy only once it answers over TCP for the user and database the api uses', () => {
    const [, command] = services.postgres.healthcheck?.test ?? [];
    expect(command).toBe(`pg_isready -h 127.0.0.1 -U ${apiEnvironment.DB_USERNAME} -d ${apiEnvironment.DB_NAME}`);
  });

  it('starts the api only once postgres is healthy', () => {
    expect(services.api.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(services.postgres).toHaveProperty('healthcheck.test');
  });

  it('gives the api only environment variables the config module knows, with values it accepts', () => {
    expect(Object.keys(apiEnvironment).length).toBeGreaterThan(0);
    expect(Object.keys(apiEnvironment).filter((key) => !configEnvironmentKeys().includes(key))).toEqual([]);

    const config = loadConfig(apiEnvironment);
    expect(config.nodeEnv).toBe('production');
    expect(config.database).toMatchObject({ kind: 'params', host: 'postgres', database: 'fleet_platform' });
  });

  it('points the api at the postgres service with its credentials', () => {
    const postgres = services.postgres.environment ?? {};
    expect(services).toHaveProperty(apiEnvironment.DB_HOST);
    expect(apiEnvironment.DB_PORT).toBe('5432');
    expect(apiEnvironment.DB_USERNAME).toBe(postgres.POSTGRES_USER ?? 'postgres');
    expect(apiEnvironment.DB_PASSWORD).toBe(postgres.POSTGRES_PASSWORD);
    expect(apiEnvironment.DB_NAME).toBe(postgres.POSTGRES_DB);
  });

  it('shares the rate-limit budget through the redis service, once it is healthy', () => {
    const { rateLimit } = loadConfig(apiEnvironment);
    expect(rateLimit.redisUrl).toBe('redis://redis:6379');
    expect(services.api.depends_on?.redis?.condition).toBe('service_healthy');
    expect(services.redis).toHaveProperty('healthcheck.test');
  });

  it('has Prometheus scrape the api at its /metrics', () => {
    const { port } = loadConfig(apiEnvironment);
    const scrape = parse(read('ops/prometheus.yml')).scrape_configs as Array<{
      metrics_path: string;
      static_configs: Array<{ targets: string[] }>;
    }>;
    expect(scrape).toContainEqual(
      expect.objectContaining({ metrics_path: '/metrics', static_configs: [{ targets: [`api:${port}`] }] }),
    );
  });

  it('publishes the port the api listens on, which the image exposes', () => {
    const { port } = loadConfig(apiEnvironment);
    // Short syntax [HOST_IP:][HOST:]CONTAINER: only the container side is tied to PORT.
    expect(services.api.ports?.map((mapping) => mapping.split(':').at(-1))).toEqual([String(port)]);
    expect(read('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
  });
});
