"""What esign prints: rendering of the normalized models (tables on a terminal, JSON otherwise),
the IO streams, text made safe for a terminal.
"""
