"""esign: document e-signature operations across providers, from the command line."""

__version__ = "0.1.0"
