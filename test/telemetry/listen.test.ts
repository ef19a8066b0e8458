/** `--metrics [ADDR:]PORT` and `--agentx [SOCKET]` values: accepted forms and the messages of bad ones. */
import { describe, expect, it } from 'vitest';
import { parseAgentxAddress, parseListenAddress } from '../../src/telemetry/listen.js';

describe('--metrics [ADDR:]PORT', () => {
  it('defaults to 127.0.0.1; takes IPv4, names and [IPv6]', () => {
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });
  it('says what is wrong', () => {
    expect(() => parseListenAddress('http')).toThrow("--metrics 'http': the port must be a number 0..65535, not 'http'");
    expect(() => parseListenAddress('1.2.3.4:70000')).toThrow("the port must be a number 0..65535, not '70000'");
    expect(() => parseListenAddress('::1:9464')).toThrow('write an IPv6 address as [ADDR]:PORT');
    expect(() => parseListenAddress('[host]:1')).toThrow("'host' is not an IPv6 address");
  });
});

describe('--agentx [SOCKET]', () => {
  it('defaults to net-snmp\'s master socket; takes paths and tcp:HOST:PORT', () => {
    expect(parseAgentxAddress(true)).toEqual({ kind: 'unix', path: '/var/agentx/master' });
    expect(parseAgentxAddress('/run/agentx')).toEqual({ kind: 'unix', path: '/run/agentx' });
    expect(parseAgentxAddress('unix:/x')).toEqual({ kind: 'unix', path: '/x' });
    expect(parseAgentxAddress('tcp:127.0.0.1:705')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 705 });
  });
  it('says what is wrong', () => {
    expect(() => parseAgentxAddress('master')).toThrow("--agentx 'master': give a socket path, or tcp:HOST:PORT");
    expect(() => parseAgentxAddress('tcp:localhost:0')).toThrow("port 0 is not a master agent's port");
  });
});
