class UserError(Exception):
    """Bad input or a missing precondition: printed as one line, exit status 2."""
