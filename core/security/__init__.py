"""Security core: users, roles and sessions; the hash-chained audit trail; electronic
signatures; safe writes; device identities; secrets and log redaction.

Start from :class:`core.security.service.SecurityServices`, which wires the parts for one plant.
"""
