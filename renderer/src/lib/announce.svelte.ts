import { AnnouncementQueue } from './announcement-queue.ts';

/**
 * The words of the page's one polite live region (App.svelte draws it): what happened that the
 * user did not ask for, or that happened away from the keyboard (WAI-ARIA 1.2, live regions).
 * Announcements made together are said one after another (announcement-queue.ts).
 */
class Announcer {
  text = $state('');
  readonly #queue = new AnnouncementQueue((text) => {
    // Emptied first and filled on the next frame: the same words twice are announced twice.
    this.text = '';
    requestAnimationFrame(() => (this.text = text));
  });

  say(text: string): void {
    this.#queue.say(text);
  }
}

export const announcer = new Announcer();

export function announce(text: string): void {
  announcer.say(text);
}
