"""Multi-step work built from core and the providers, with no Typer in it: downloads (one or many),
waiting, profiles, the sandbox admin and demo. The command layer calls one function here per
command.
"""
