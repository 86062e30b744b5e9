"""Reusable widgets: banner, status bar, tiles, sparklines, keypad, dialogs."""
