"""Bolt middleware: the privacy-team guard, de-duplication of every delivery and the one error handler."""
