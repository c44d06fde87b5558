"""Access: accounts and passwords, sign-in sessions, permissions by unit, the audit
log, and the settings an administrator changes."""
