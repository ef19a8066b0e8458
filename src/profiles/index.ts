export type * from './types.js';
export { listProfiles, loadProfile, validateProfileFile, validateProfileText, ProfileError, PROFILE_DIR } from './load.js';
