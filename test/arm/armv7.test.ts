/** `npm run test:arm`, armv7 hard-float (LAN966x class, Cortex-A7): see arm.ts. */
import { armSuite } from './arm.js';
import { ARM } from './qemu.js';

armSuite(ARM.arm);
