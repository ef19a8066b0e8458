/** Every vendor-ABI conformance rule, in the order they run (cheap basics first). */
import type { ConformanceRule } from '../runner.js';
import { basicRules } from './basics.js';
import { ccRules } from './cc.js';
import { ioRules } from './io.js';
import { optionalRules } from './optional.js';
import { eventFdRules } from './event-fd.js';
import { voeRules } from './voe.js';
import { pmRules } from './pm.js';
import { injectRules } from './inject.js';
import { clockRules } from './clock.js';

export const ABI_RULES: readonly ConformanceRule[] = [...basicRules, ...voeRules, ...ccRules, ...ioRules, ...optionalRules, ...eventFdRules, ...pmRules, ...injectRules, ...clockRules];
