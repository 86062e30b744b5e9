"""Security at the console: first run, log on / switch user / idle logout, user admin dialogs.

Everything here goes through ``core.security`` (:class:`~core.security.service.SecurityServices`):
the dialogs only collect and pre-check input; the core checks permissions, hashes passwords and
writes the audit rows. Checks that cost an Argon2 hash or touch the store run in workers.
"""
