/**
 * VendorBackend through the `--backend vendor:PATH` factory. The "shim" is the mock library
 * loaded as any vendor library would be (VendorBackend never calls cfm_mock_*); only this test
 * harness uses the mock's extra calls to let time pass and to reach the wire side, so the same
 * backend contract runs on the vendor code path.
 */
import { describe, expect, it } from 'vitest';
import { mockAsicLibPath, AsicError } from '../../src/backends/asic-binding/index.js';
import { openBackend } from '../../src/backends/mock/open.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { CfmError } from '../../src/common/errors.js';
import { runBackendContract } from './contract.js';

const ARGS = 'ports=3;port_voes=4;service_voes=4;peers=2;policers=1';

runBackendContract('vendor (mock library as the shim)', async () => {
  const b = openBackend(`vendor:${mockAsicLibPath()}`, { args: ARGS, portNames: ['ge0', 'ge1', 'ge2'] });
  if (!(b instanceof VendorBackend)) throw new Error('expected a VendorBackend');
  const dev = b.device;
  const wireSubs = new Set<(port: string, frame: Uint8Array) => void>();
  // a vendor backend runs its calls on the thread pool (issue 16): wait for the drain job
  const drain = async (): Promise<void> => {
    await b.drain();
    for (const f of dev.mockPortTxDrain()) for (const s of wireSubs) s(b.ports()[f.port], f.frame);
  };
  return {
    backend: b,
    advance: async (ns) => {
      dev.mockAdvance(ns);
      await drain();
    },
    injectFromWire: (port, frame) => {
      dev.mockPortRx(b.ports().indexOf(port), frame);
      void drain();
    },
    onWireTransmit: (cb) => {
      wireSubs.add(cb);
      return () => wireSubs.delete(cb);
    },
  };
});

describe('vendor backend factory', () => {
  it('reports kind vendor and the shim path, and refuses bad shims and arguments with typed errors', async () => {
    const b = openBackend(`vendor:${mockAsicLibPath()}`, { args: ARGS }) as VendorBackend;
    expect(b.kind).toBe('vendor');
    expect(b.capabilities().kind).toBe('vendor');
    expect(b.libPath).toBe(mockAsicLibPath());
    expect(b.ports()).toEqual(['swp1', 'swp2', 'swp3']);
    await b.close();
    expect(() => openBackend('vendor:/nonexistent/libshim.so')).toThrow(CfmError);
    expect(() => openBackend('vendor:/nonexistent/libshim.so')).toThrow(/cannot load ASIC library/);
    // libc is a shared library but not a shim
    expect(() => openBackend('vendor:libc.so.6')).toThrow(/does not implement the cfm ASIC ABI/);
    let err: unknown;
    try {
      openBackend(`vendor:${mockAsicLibPath()}`, { args: 'bogus=1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AsicError);
    expect((err as AsicError).status).toBe('EINVAL');
    expect((err as AsicError).message).toMatch(/cfm_asic_open \(args 'bogus=1'\): EINVAL/);
    expect(() => openBackend(`vendor:${mockAsicLibPath()}`, { args: 'ports=2', portNames: ['a', 'b', 'c'] })).toThrow(/3 port names given for a device with 2 ports/);
    // fewer names than ports (a board listing its front-panel ports): the rest keep swpN names
    const b3 = openBackend(`vendor:${mockAsicLibPath()}`, { args: 'ports=4', portNames: ['ge0', 'swp3'] });
    expect(b3.ports()).toEqual(['ge0', 'swp3', 'swp3_2', 'swp4']);
    await b3.close();
    const b2 = openBackend(`vendor:${mockAsicLibPath()}`, 'ports=5'); // open string as the second argument
    expect(b2.ports().length).toBe(5);
    await b2.close();
  });
});
