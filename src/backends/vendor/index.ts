export { VendorBackend, type VendorBackendOptions } from './backend.js';
