"""Threads, messages, meetings and notifications between companies."""
