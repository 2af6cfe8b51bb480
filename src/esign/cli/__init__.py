"""Typer commands: parse flags into options, call one provider operation, render the result."""
