// `client-certificate-api/local`: the local service, to start from a test run.
import './base/require-node.js'; // first: an older Node is told why in one line

export { accessLine } from './console.js';
export type { JournalEntry, JournalParameters } from './control/journal.js';
export type { ControlClient, ControlClientSettings, RequestsFilter } from './control-client.js';
export { ControlCallError, controlClient } from './control-client.js';
export type { AccessLogEntry } from './front/http-api.js';
export type { FunctionSettings } from './functions/functions.js';
export type { LocalService, LocalServiceOptions } from './service.js';
export { startLocalService } from './service.js';
