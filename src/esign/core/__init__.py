"""What every command shares: settings, credentials, output, errors, HTTP, downloads."""
