/** Netlink in TypeScript: messages, attributes, rtnetlink, bridge CFM, generic netlink, devlink. */
export * from './constants.js';
export * from './attrs.js';
export * from './errors.js';
export * from './message.js';
export * from './rtnl.js';
export * from './bridge-cfm.js';
export * from './genl.js';
export * as devlinkMsg from './devlink.js';
export { NetlinkSocket, type SocketOptions } from './socket.js';
export { AddonTransport, type NetlinkTransport, type OpenOptions } from './transport.js';
export { openRoute, listLinks } from './route.js';
export { openGeneric, resolveFamily } from './genl-client.js';
