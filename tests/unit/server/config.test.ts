import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config';

describe('configuration from the environment', () => {
  it('uses the contract defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATA_DIR: './data', LOG_LEVEL: 'info' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('treats empty DATABASE_URL and REDIS_URL as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: ' ' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'invalid PORT="abc": must be a port number'],
    [{ PORT: '70000' }, 'invalid PORT="70000"'],
    [{ LOG_LEVEL: 'loud' }, 'invalid LOG_LEVEL="loud"'],
    [{ DATABASE_URL: 'not a url' }, 'invalid DATABASE_URL="not a url"'],
    [{ PRESENCE_TIMEOUT_MS: '0' }, 'invalid PRESENCE_TIMEOUT_MS="0"'],
  ])('refuses %o with a one-line message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message.startsWith(message)).toBe(true);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
