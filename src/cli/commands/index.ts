/** The command groups of `cfm`, one module each (owner in parentheses). */
import type { Command } from 'commander';
import * as decode from './decode.js';       // decode, craft (pdu)
import * as config from './config.js';       // validate, profile (config, profiles)
import * as sim from './sim.js';             // sim (engine, simulator)
import * as offload from './offload.js';     // plan, apply, status, monitor, demo (offload)
import * as linux from './linux.js';         // run (software datapath)
import * as kernel from './kernel.js';       // profile detect, bridge CFM (kernel backend)
import * as ops from './ops.js';             // cpu-protection, debug (operator features)
import * as oam from './oam.js';             // loopback, linktrace, mep, cc (operator OAM over the control socket)
import * as conformance from './conformance.js'; // conformance (vendor C ABI rules, packaging)
import * as y1731 from './y1731.js';       // dm, lm, slm, tst (Y.1731 tests over the control socket)

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [decode, config, sim, offload, linux, kernel, ops, oam, conformance, y1731];
