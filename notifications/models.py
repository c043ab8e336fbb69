"""Notifications to affected people: the outbox, letters, channels and deadlines (to come)."""
