/**
 * The office's keyboard shortcuts, as the `?` overlay lists them. Every key here is handled somewhere in the app
 * (OfficeScene's movement keys, the menus' and dialogs' Escape, the chat box, the people search); nothing is listed
 * that the app does not do. `pages/04-keyboard-shortcuts.md` says the same in prose, and a unit test keeps the two
 * in step.
 */
export interface Shortcut {
  /** Key caps shown side by side, each one a key that does the action (not a combination). */
  keys: readonly string[];
  action: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: readonly Shortcut[];
}

export const shortcutGroups: readonly ShortcutGroup[] = [
  {
    title: 'Walking',
    shortcuts: [
      { keys: ['↑', '←', '↓', '→'], action: 'Walk up, left, down or right. Hold to keep walking.' },
      { keys: ['W', 'A', 'S', 'D'], action: 'The same as the arrow keys.' },
    ],
  },
  {
    title: 'Anywhere in the office',
    shortcuts: [
      { keys: ['?'], action: 'Show or hide this list.' },
      { keys: ['Esc'], action: 'Close the open menu, the emoji picker, the Devices settings, Help or this list.' },
      { keys: ['Tab'], action: 'Go to the next button or field (with Shift, the previous one).' },
    ],
  },
  {
    title: 'In the chat',
    shortcuts: [
      { keys: ['Enter'], action: 'Send your message.' },
      { keys: ['Esc'], action: 'Leave the chat box, so the movement keys walk again.' },
    ],
  },
  {
    title: 'In the people search',
    shortcuts: [{ keys: ['Esc'], action: 'Clear the search.' }],
  },
];

/** What a screen reader says for key caps that are symbols. */
export const spokenKeyNames: Readonly<Record<string, string>> = {
  '↑': 'Up arrow',
  '↓': 'Down arrow',
  '←': 'Left arrow',
  '→': 'Right arrow',
  '?': 'Question mark',
  Esc: 'Escape',
};
