import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/index.js';
import { envSetsProxy, parsePacResult, proxyVariableFor, systemProxyEnv } from '../../electron/model/systemProxy.js';

const API = 'https://atomagentos.com/api/v1/marketplace';

describe('PAC results', () => {
  it('turns an HTTP proxy into the engine’s proxy URL', () => {
    expect(parsePacResult('PROXY proxy.corp.example:3128')).toEqual({ proxy: 'http://proxy.corp.example:3128', skipped: [] });
    expect(parsePacResult('PROXY Proxy.Corp.Example:8080; DIRECT')).toEqual({ proxy: 'http://proxy.corp.example:8080', skipped: [] });
    expect(parsePacResult('HTTPS secure-proxy.example:443')).toEqual({ proxy: 'https://secure-proxy.example:443', skipped: [] });
    expect(parsePacResult('  proxy 10.0.0.1:80 ;DIRECT')).toEqual({ proxy: 'http://10.0.0.1:80', skipped: [] });
    expect(parsePacResult('PROXY [fd00::1]:3128')).toEqual({ proxy: 'http://[fd00::1]:3128', skipped: [] });
  });

  it('goes direct for DIRECT and for an empty answer', () => {
    expect(parsePacResult('DIRECT')).toEqual({ proxy: null, skipped: [] });
    expect(parsePacResult('')).toEqual({ proxy: null, skipped: [] });
    expect(parsePacResult(' ; ')).toEqual({ proxy: null, skipped: [] });
    // the order is the PAC's: DIRECT first wins over a later proxy
    expect(parsePacResult('DIRECT; PROXY p:1')).toEqual({ proxy: null, skipped: [] });
  });

  it('skips SOCKS (the engine cannot use it) and takes the next usable entry, else direct', () => {
    expect(parsePacResult('SOCKS5 socks.example:1080')).toEqual({ proxy: null, skipped: ['SOCKS5 socks.example:1080'] });
    expect(parsePacResult('SOCKS5 socks.example:1080; DIRECT')).toEqual({ proxy: null, skipped: ['SOCKS5 socks.example:1080'] });
    expect(parsePacResult('SOCKS s:1080; SOCKS4 t:1080; PROXY http-proxy:3128')).toEqual({
      proxy: 'http://http-proxy:3128',
      skipped: ['SOCKS s:1080', 'SOCKS4 t:1080'],
    });
    expect(parsePacResult('QUIC q.example:443').proxy).toBeNull();
  });

  it('skips malformed entries instead of guessing', () => {
    for (const bad of ['PROXY', 'PROXY host', 'PROXY host:0', 'PROXY host:70000', 'PROXY host:80 extra', 'PROXY user@host:80', 'PROXY http://host:80', 'BOGUS x:1']) {
      const choice = parsePacResult(bad);
      expect(choice.proxy, bad).toBeNull();
      expect(choice.skipped, bad).toEqual([bad]);
    }
    expect(parsePacResult(`PROXY ${'a'.repeat(500)}`).skipped[0]!.length).toBeLessThanOrEqual(200);
  });
});

describe('the system proxy in the engine environment', () => {
  it('is used only when the environment names no proxy itself', () => {
    expect(envSetsProxy({})).toBe(false);
    expect(envSetsProxy({ HTTPS_PROXY: '  ' })).toBe(false);
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'NO_PROXY', 'no_proxy']) expect(envSetsProxy({ [name]: 'x' }), name).toBe(true);
    expect(systemProxyEnv({ HTTP_PROXY: 'http://mine:1' }, API, 'PROXY theirs:2')).toMatchObject({ env: {}, note: 'the environment sets the proxy' });
    expect(systemProxyEnv({ NO_PROXY: '*' }, API, 'PROXY theirs:2').env).toEqual({});
  });

  it('sets the variable for the API URL’s scheme', () => {
    expect(proxyVariableFor(API)).toBe('HTTPS_PROXY');
    expect(proxyVariableFor('wss://x/ws')).toBe('HTTPS_PROXY');
    expect(proxyVariableFor('http://127.0.0.1:9000/api')).toBe('HTTP_PROXY');
    expect(proxyVariableFor('ftp://x')).toBeNull();
    expect(proxyVariableFor('not a url')).toBeNull();
    expect(systemProxyEnv({}, API, 'PROXY proxy.corp:3128; DIRECT')).toEqual({
      env: { HTTPS_PROXY: 'http://proxy.corp:3128' },
      note: 'using the system proxy http://proxy.corp:3128',
      skipped: [],
    });
    expect(systemProxyEnv({}, 'http://atom.internal/api', 'PROXY proxy.corp:3128').env).toEqual({ HTTP_PROXY: 'http://proxy.corp:3128' });
  });

  it('adds nothing in demo mode, when the system says direct, or when it could not be asked', () => {
    expect(systemProxyEnv({}, null, 'PROXY p:1')).toMatchObject({ env: {}, note: 'demo mode: no remote to reach' });
    expect(systemProxyEnv({}, API, 'DIRECT')).toMatchObject({ env: {}, note: 'the system says direct' });
    expect(systemProxyEnv({}, API, null)).toMatchObject({ env: {}, note: expect.stringContaining('could not be resolved') });
    expect(systemProxyEnv({}, API, 'SOCKS5 s:1080')).toEqual({ env: {}, note: 'the system proxy is not an HTTP proxy; connecting directly', skipped: ['SOCKS5 s:1080'] });
  });

  it('produces a value the engine’s own parser accepts', () => {
    const plan = systemProxyEnv({}, API, 'HTTPS [fd00::2]:8443');
    const config = loadConfig({ ATOM_SAAS_API_URL: API, ATOM_DB_PATH: '/tmp/x.db', ...plan.env }, '/tmp');
    expect(config.proxy.httpsProxy).toBe('https://[fd00::2]:8443');
  });
});
