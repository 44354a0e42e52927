"""Notifications: an in-app inbox, and e-mail (SMTP, or an outbox folder)."""
