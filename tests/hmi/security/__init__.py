"""Tests of the console's security: first run, log on and switching, idle logout, users, audit."""
