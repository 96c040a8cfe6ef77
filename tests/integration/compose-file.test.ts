/**
 * The two-node compose cluster as files (Docker is not needed): docker-compose.yml is well-formed YAML naming
 * postgres, redis, hub-1, hub-2 and nginx, the hubs are wired to Postgres and Redis, listen on all interfaces and
 * have health checks, and nginx publishes a port with deploy/nginx.conf, which balances sticky over both hubs
 * and passes the WebSocket upgrade through. The hub image is multi-stage: compiled code, production dependencies
 * only, a non-root user. The fault suite (`npm run chaos`) runs this topology as processes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseYaml, YamlError, type YamlValue } from '../helpers/chaos-yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

type Obj = Record<string, YamlValue>;
const isObj = (v: YamlValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: YamlValue | undefined, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
};

/** `environment` as a mapping, whichever of the two compose forms (mapping or `KEY=value` list) is used. */
function environment(service: Obj): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((e) => {
        const [k, ...v] = String(e).split('=');
        return [k!, v.join('=')];
      }),
    );
  return Object.fromEntries(Object.entries(obj(env, 'environment')).map(([k, v]) => [k, String(v)]));
}

/** nginx.conf without comments. */
function nginxConf(): string {
  return read('deploy/nginx.conf')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .join('\n');
}

/** The body of the first `<keyword> <name> { … }` block (braces balanced). */
function block(conf: string, header: RegExp): string {
  const m = header.exec(conf);
  if (!m) throw new Error(`no block ${header}`);
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < conf.length; i++) {
    if (conf[i] === '{') depth++;
    else if (conf[i] === '}' && --depth === 0) return conf.slice(m.index + m[0].length, i);
  }
  throw new Error(`unbalanced braces after ${header}`);
}

describe('the YAML reader used here', () => {
  it('reads anchors, aliases, flow sequences, quoted scalars and sequences of mappings', () => {
    const doc = parseYaml(
      [
        'a: &x',
        '  k: "v: 1" # comment',
        '  list: ["CMD", \'it\'\'s\', "", 3]',
        'b: *x',
        'c:',
        '- name: one',
        '  port: 80',
        '- ./a.conf:/etc/a.conf:ro',
      ].join('\n'),
    );
    expect(doc).toEqual({
      a: { k: 'v: 1', list: ['CMD', "it's", '', 3] },
      b: { k: 'v: 1', list: ['CMD', "it's", '', 3] },
      c: [{ name: 'one', port: 80 }, './a.conf:/etc/a.conf:ro'],
    });
  });

  it('refuses malformed structure: tabs, stray indentation, duplicate keys, unknown aliases, open quotes', () => {
    for (const bad of [
      'a:\n\tb: 1',
      'a: 1\n  b: 2',
      'a:\n  b: 1\n c: 2',
      'a: 1\na: 2',
      'a: *nope',
      'a: "open',
      'a: [1, 2',
    ])
      expect(() => parseYaml(bad), bad).toThrow(YamlError);
  });
});

describe('the hub image (Dockerfile)', () => {
  const stages = read('Dockerfile')
    .split(/^FROM /m)
    .slice(1)
    .map((stage) => stage.replace(/^#.*$/gm, ''));

  it('builds in a stage with the dev tools and runs compiled code from a stage with production dependencies only', () => {
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/^RUN npm ci\b(?!.*--omit=dev)/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    for (const built of ['/app/dist', '/app/web/dist'])
      expect(runtime).toContain(`COPY --from=build ${built} `);
    expect(runtime).not.toMatch(/^COPY \. /m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^CMD \["node", "bin\/runtime-hub\.js", "serve"\]$/m);
    expect(runtime).not.toMatch(/tsx/);
  });
});

describe('docker-compose.yml and deploy/nginx.conf', () => {
  const hubs = ['hub-1', 'hub-2'];
  let services: Obj = {};

  it('is well-formed YAML with a services mapping', () => {
    const compose = obj(parseYaml(read('docker-compose.yml')), 'the compose file');
    services = obj(compose.services, 'services');
  });

  it('names the services postgres, redis, hub-1, hub-2 and nginx', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'redis', ...hubs, 'nginx']));
  });

  it.each(hubs)('wires %s to Postgres and Redis, on all interfaces, with a health check', (name) => {
    const hub = obj(services[name], name);
    const env = environment(hub);
    expect(env.HOST).toBe('0.0.0.0');
    // The URLs name the compose services, so they resolve inside the compose network.
    expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
    expect(new URL(env.REDIS_URL!).hostname).toBe('redis');
    const healthcheck = obj(hub.healthcheck, `${name}.healthcheck`);
    expect(
      Array.isArray(healthcheck.test) ? healthcheck.test.length : String(healthcheck.test ?? '').length,
    ).toBeGreaterThan(0);
    const dependsOn = hub.depends_on;
    expect(Array.isArray(dependsOn) ? dependsOn : Object.keys(obj(dependsOn, 'depends_on'))).toEqual(
      expect.arrayContaining(['postgres', 'redis']),
    );
  });

  it('has nginx publish a port and mount deploy/nginx.conf', () => {
    const nginx = obj(services.nginx, 'nginx');
    const ports = nginx.ports;
    expect(Array.isArray(ports) && ports.length).toBeGreaterThan(0);
    for (const p of ports as YamlValue[])
      expect(String(isObj(p) ? p.published : p)).toMatch(/^(\S+:)?\d+:\d+$|^\d+$/);
    const mounts = (nginx.volumes as YamlValue[] | undefined) ?? [];
    const sources = mounts.map((v) => (isObj(v) ? String(v.source) : (String(v).split(':')[0] ?? '')));
    expect(sources.map((s) => s.replace(/^\.\//, ''))).toContain('deploy/nginx.conf');
    expect(existsSync(`${root}deploy/nginx.conf`)).toBe(true);
  });

  it('balances sticky (ip_hash) over both hubs and passes the WebSocket upgrade through', () => {
    const conf = nginxConf();
    const upstreamName = /proxy_pass\s+http:\/\/([\w-]+)\s*;/.exec(conf)?.[1];
    expect(upstreamName).toBeDefined();
    const upstream = block(conf, new RegExp(`upstream\\s+${upstreamName}\\s*\\{`));
    expect(upstream).toMatch(/^\s*ip_hash\s*;/m);
    const port = environment(obj(services['hub-1'], 'hub-1')).PORT ?? '3000';
    for (const name of hubs)
      expect(upstream).toMatch(new RegExp(`^\\s*server\\s+${name}:${port}\\b[^;]*;`, 'm'));
    expect(conf).toMatch(/proxy_http_version\s+1\.1\s*;/);
    expect(conf).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade\s*;/);
    // Connection: either "upgrade" or a variable mapped from $http_upgrade to "upgrade".
    const connection = /proxy_set_header\s+Connection\s+("?)([^\s;"]+)\1\s*;/.exec(conf)?.[2];
    expect(connection).toBeDefined();
    if (connection!.startsWith('$')) {
      const map = block(conf, new RegExp(`map\\s+\\$http_upgrade\\s+\\${connection}\\s*\\{`));
      expect(map).toMatch(/default\s+upgrade\s*;/);
    } else expect(connection!.toLowerCase()).toBe('upgrade');
  });
});
