"""Conversations between clients and integration managers: relay, answers, quick replies,
the inbox and urgent help. Uses booking (office hours, who is on duty), casework (contact
time) and the outbox; nothing but the assembly depends on it."""
