/** Scenario files: parse (scenario-parse.ts) and run (scenario-run.ts). See docs/sim.md. */
export { loadScenario, parseScenario, parseDurationNs, ScenarioError } from './scenario-parse.js';
export { runScenario, statusTable, formatRecord, type ScenarioOutput, type ScenarioRecord, type StepRecord } from './scenario-run.js';
export type * from './scenario-types.js';
