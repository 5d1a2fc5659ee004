/** The IPC channels between the preload and the main process: the only two there are. */
export const CALL_CHANNEL = 'warden:call';
export const EVENT_CHANNEL = 'warden:event';
