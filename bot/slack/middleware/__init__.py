"""Bolt middleware: the privacy-team guard, Events API de-duplication and the one error handler."""
