"""Errors a person can fix. Faces show their message as one line (ephemeral in Slack, stderr on the CLI)."""


class BreachbotError(Exception):
    """A problem with what someone asked for, explained in one line they can act on."""


class NotFound(BreachbotError):
    pass


class NotAllowed(BreachbotError):
    pass
