"""The jury: the roster and its panels, declared conflicts of interest, staff decisions and the
recusals they make."""
