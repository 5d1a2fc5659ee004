/**
 * The words of the page's one polite live region (App.svelte draws it): what happened that the
 * user did not ask for, or that happened away from the keyboard (WAI-ARIA 1.2, live regions).
 */
class Announcer {
  text = $state('');

  say(text: string): void {
    // Emptied first and filled on the next frame: the same words twice are announced twice.
    this.text = '';
    requestAnimationFrame(() => (this.text = text));
  }
}

export const announcer = new Announcer();

export function announce(text: string): void {
  announcer.say(text);
}
