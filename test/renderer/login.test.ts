import { describe, expect, it } from 'vitest';
import { startAtLoginUnavailable } from '../../renderer/src/lib/login.ts';

describe('start at login, where it is not available', () => {
  it('says why for where the UI runs: the desktop app started by npm start, or warden serve', () => {
    expect(startAtLoginUnavailable(true)).toMatch(/^Not available in this copy of the desktop app: .*installed.*not when started with npm start\.$/);
    expect(startAtLoginUnavailable(false)).toMatch(/^Desktop notifications and start at login are settings of the desktop app: this page is served by warden serve\. .*systemd user service/);
  });
});
