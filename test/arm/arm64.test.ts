/** `npm run test:arm`, arm64 (SparX-5 class, Cortex-A53): see arm.ts. */
import { armSuite } from './arm.js';
import { ARM } from './qemu.js';

armSuite(ARM.arm64);
