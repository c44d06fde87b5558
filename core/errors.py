"""Errors meant for the person using the tool: a Vietnamese message, never a traceback."""


class UserError(Exception):
    """Bad input from a user (an unknown unit, a malformed date...).

    The message is a complete Vietnamese sentence; the CLI prints it to stderr and exits 2,
    the pages show it with `st.error`.
    """
